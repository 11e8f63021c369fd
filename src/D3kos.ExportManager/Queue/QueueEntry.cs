using System.Text.Json.Serialization;

namespace D3kos.ExportManager.Queue;

/// <summary>The states an entry moves through; completed and failed entries live in the history.</summary>
public static class QueueStatus
{
    public const string Pending = "pending";
    public const string Retry = "retry";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

public static class ExportType
{
    public const string FullExport = "full_export";
    public const string Boatlog = "boatlog";
}

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

/// <summary>One queued export, as stored in export_queue.json and as the API returns it.</summary>
public sealed record QueueEntry
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required ExportData Data { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public int Attempts { get; init; }
    public required string Status { get; init; }
    public DateTimeOffset? NextRetry { get; init; }
    public string? LastError { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? FinishedAt { get; init; }

    [JsonIgnore]
    public bool IsActive => Status is QueueStatus.Pending or QueueStatus.Retry;

    public bool IsDue(DateTimeOffset now) => IsActive && (NextRetry is null || NextRetry <= now);
}

/// <summary>The on-disk shape of the queue and history files.</summary>
public sealed record QueueDocument
{
    public int FormatVersion { get; init; } = 1;
    public required List<QueueEntry> Entries { get; init; }
}

public sealed record QueueStats(int Pending, int Retry, int Completed, int Failed, int Total);

/// <summary>What one processing run did.</summary>
public sealed record ProcessReport(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int Processed,
    int Completed,
    int Retrying,
    int Failed);
