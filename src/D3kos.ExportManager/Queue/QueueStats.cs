namespace D3kos.ExportManager.Queue;

/// <summary>How many entries are in each state (history included).</summary>
public sealed record QueueStats(int Pending, int Retry, int Completed, int Failed, int Total);
