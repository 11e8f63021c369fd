using System.Text.Json.Serialization;

namespace D3kos.ExportManager.Queue;

/// <summary>One queued export, as stored in export_queue.json and as the API returns it.</summary>
public sealed record QueueEntry
{
    public required string Id { get; init; }
    public required ExportType Type { get; init; }
    public required ExportData Data { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public int Attempts { get; init; }
    public required QueueStatus Status { get; init; }
    public DateTimeOffset? NextRetry { get; init; }
    public string? LastError { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? FinishedAt { get; init; }

    [JsonIgnore]
    public bool IsActive => Status is QueueStatus.Pending or QueueStatus.Retry;

    public bool IsDue(DateTimeOffset now) => IsActive && (NextRetry is null || NextRetry <= now);
}
