using System.Text.Json.Serialization;

namespace D3kos.ExportManager.Queue;

/// <summary>What was exported: the file (by name, under exports/) and what identifies its content.</summary>
public sealed record ExportData
{
    public required string ExportId { get; init; }
    public required string ExportFile { get; init; }
    public required long SizeBytes { get; init; }
    public required string Sha256 { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? EntryCount { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? CategoryCount { get; init; }
}
