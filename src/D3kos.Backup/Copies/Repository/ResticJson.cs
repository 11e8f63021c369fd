using System.Text.Json;
using System.Text.Json.Serialization;

namespace D3kos.Backup;

/// <summary>One line of <c>restic backup --json</c>: a "status" while it reads, the "summary" at the end.</summary>
internal sealed record ResticBackupLine(string? MessageType, long BytesDone, long DataAdded, long TotalBytesProcessed, string? SnapshotId);

/// <summary>A snapshot as <c>restic snapshots --json</c> and <c>forget --json</c> give it.</summary>
internal sealed record ResticSnapshot(DateTimeOffset Time, List<string>? Paths, string? Hostname, List<string>? Tags, string Id, string? ShortId);

/// <summary>One group of <c>restic forget --json</c>: what it kept and what it removed.</summary>
internal sealed record ResticForgetGroup(List<ResticSnapshot>? Keep, List<ResticSnapshot>? Remove);

/// <summary><c>restic stats --mode restore-size --json</c>: the bytes a snapshot restores to.</summary>
internal sealed record ResticStats(long TotalSize);

/// <summary>One key of <c>restic key list --json</c>: the one that opened the repository is "current".</summary>
internal sealed record ResticKey(bool Current, string Id);

// Source-generated, as all the JSON here: the service is Native AOT.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ResticBackupLine))]
[JsonSerializable(typeof(List<ResticSnapshot>))]
[JsonSerializable(typeof(List<ResticForgetGroup>))]
[JsonSerializable(typeof(ResticStats))]
[JsonSerializable(typeof(List<ResticKey>))]
internal sealed partial class ResticJsonContext : JsonSerializerContext
{
    /// <summary>restic's answer, or the failure of a restic whose output this version does not understand.</summary>
    public static T Parse<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new ResticException(0, "restic answered null");
        }
        catch (JsonException bad)
        {
            throw new ResticException(0, $"restic answered what this version cannot read ({bad.Message})");
        }
    }
}
