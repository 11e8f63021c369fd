using System.Text.Json.Serialization;

namespace D3kos.Backup;

/// <summary>The first member of every archive: what it holds and how to check it.</summary>
public sealed record BackupManifest
{
    public const string MemberName = "d3kos-backup.json";
    public const int CurrentFormat = 1;

    public required int FormatVersion { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required string Hostname { get; init; }
    public string? InstallationId { get; init; }
    public required List<string> SourcesFound { get; init; }
    public required List<string> SourcesSkipped { get; init; }
    public required List<ManifestFile> Files { get; init; }
}

/// <summary>A regular file in the archive: member path, size and SHA-256 of its bytes.</summary>
public sealed record ManifestFile
{
    public required string Path { get; init; }
    public required long Size { get; init; }
    public required string Sha256 { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SqliteSnapshot { get; init; }
}

/// <summary>Written next to every restore so a crash in the middle can be finished or rolled back on the next start.</summary>
public sealed record RestoreJournal
{
    public required string BackupFile { get; init; }
    public required string Phase { get; init; }
    public required List<RestoreSwap> Swaps { get; init; }
}

/// <summary>One source's three places during a restore, and whether it existed before.</summary>
public sealed record RestoreSwap(string Live, string Staged, string Old, string WorkFolder, bool LiveExisted);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BackupManifest))]
[JsonSerializable(typeof(RestoreJournal))]
internal sealed partial class BackupJsonContext : JsonSerializerContext;
