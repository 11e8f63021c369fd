namespace D3kos.ExportManager.Queue;

/// <summary>The on-disk shape of the queue and history files.</summary>
public sealed record QueueDocument
{
    public int FormatVersion { get; init; } = 1;
    public required List<QueueEntry> Entries { get; init; }
}
