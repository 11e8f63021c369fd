namespace D3kos.ExportManager.Queue;

/// <summary>The states an entry moves through; completed and failed entries live in the history.</summary>
public static class QueueStatus
{
    public const string Pending = "pending";
    public const string Retry = "retry";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
