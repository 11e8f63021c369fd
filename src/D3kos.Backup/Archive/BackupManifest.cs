namespace D3kos.Backup;

/// <summary>
/// The first member of every archive: what it holds and how to check it. In the JSON these fields come
/// first and the <c>files</c> array (<see cref="ManifestFile"/>, one per regular file, in archive order)
/// last; the array is never held whole in memory, on either side (<see cref="ManifestSpool"/>,
/// <see cref="ManifestReader"/>), because a Signal K install has tens of thousands of files.
/// </summary>
public sealed record BackupManifest
{
    public const string MemberName = "d3kos-backup.json";
    public const int CurrentFormat = 1;
    public const string FilesProperty = "files";

    public required int FormatVersion { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required string Hostname { get; init; }
    public string? InstallationId { get; init; }
    public required List<string> SourcesFound { get; init; }
    public required List<string> SourcesSkipped { get; init; }
}
