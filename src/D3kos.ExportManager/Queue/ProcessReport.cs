namespace D3kos.ExportManager.Queue;

/// <summary>What one processing run did.</summary>
public sealed record ProcessReport(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int Processed,
    int Completed,
    int Retrying,
    int Failed);
