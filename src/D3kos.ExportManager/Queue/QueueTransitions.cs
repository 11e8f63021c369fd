using D3kos.ExportManager.Upload;

namespace D3kos.ExportManager.Queue;

/// <summary>The retry rules in one place: what one attempt's outcome makes of an entry.</summary>
public static class QueueTransitions
{
    public static QueueEntry Next(QueueEntry entry, UploadOutcome outcome, DateTimeOffset now, ExportOptions options)
    {
        var attempts = entry.Attempts + 1;
        return outcome.Kind switch
        {
            UploadResult.Delivered => entry with
            {
                Attempts = attempts, Status = QueueStatus.Completed, NextRetry = null, LastError = null, FinishedAt = now,
            },
            UploadResult.Retry when attempts < options.MaxAttempts => entry with
            {
                Attempts = attempts, Status = QueueStatus.Retry, NextRetry = now + options.RetryDelay, LastError = outcome.Error,
            },
            UploadResult.Retry => entry with
            {
                Attempts = attempts, Status = QueueStatus.Failed, NextRetry = null, FinishedAt = now,
                LastError = $"{outcome.Error} (gave up after {attempts} attempts)",
            },
            _ => entry with
            {
                Attempts = attempts, Status = QueueStatus.Failed, NextRetry = null, FinishedAt = now, LastError = outcome.Error,
            },
        };
    }
}
