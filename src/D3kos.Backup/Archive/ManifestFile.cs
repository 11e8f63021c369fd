using System.Text.Json.Serialization;

namespace D3kos.Backup;

/// <summary>A regular file in the archive: member path, size and SHA-256 of its bytes.</summary>
public sealed record ManifestFile
{
    public required string Path { get; init; }
    public required long Size { get; init; }
    public required string Sha256 { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SqliteSnapshot { get; init; }
}
