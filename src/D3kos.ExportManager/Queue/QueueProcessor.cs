using D3kos.ExportManager.Upload;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.ExportManager.Queue;

/// <summary>
/// Delivers the queue's due entries to the central endpoint, one run at a time (the worker's runs and
/// the owner's "send now" never overlap), and keeps the export files to the retention period.
/// </summary>
public sealed partial class QueueProcessor(
    QueueStore store,
    ExportPaths paths,
    IOptions<ExportOptions> options,
    ICentralUploader uploader,
    TimeProvider time,
    ILogger<QueueProcessor> logger) : IDisposable
{
    private readonly SemaphoreSlim _processing = new(1, 1);

    public ProcessReport? LastRun { get; private set; }

    /// <summary>Processes every due entry, or answers null at once when a run is already under way.</summary>
    public async Task<ProcessReport?> TryProcessNowAsync(CancellationToken cancellationToken)
    {
        if (!await _processing.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        try
        {
            return await ProcessDueCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _processing.Release();
        }
    }

    /// <summary>Processes every due entry, waiting for a run already under way to end first.</summary>
    public async Task<ProcessReport> ProcessDueAsync(CancellationToken cancellationToken)
    {
        await _processing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ProcessDueCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _processing.Release();
        }
    }

    private async Task<ProcessReport> ProcessDueCoreAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var due = store.DueEntries(startedAt);
        int completed = 0, retrying = 0, failed = 0;
        foreach (var entry in due)
        {
            var outcome = await UploadAsync(entry, cancellationToken).ConfigureAwait(false);
            var updated = QueueTransitions.Next(entry, outcome, time.GetUtcNow(), options.Value);
            if (updated.Status == QueueStatus.Failed && ExportFileJanitor.MoveToFailedFolder(paths, updated.Data.ExportFile) is { } problem)
            {
                Log.MoveFailed(logger, updated.Data.ExportFile, problem);
            }
            store.Record(updated);
            switch (updated.Status)
            {
                case QueueStatus.Completed: completed++; break;
                case QueueStatus.Failed: failed++; break;
                default: retrying++; break;
            }
        }

        var report = new ProcessReport(startedAt, time.GetUtcNow(), due.Count, completed, retrying, failed);
        LastRun = report;
        return report;
    }

    private async Task<UploadOutcome> UploadAsync(QueueEntry entry, CancellationToken cancellationToken)
    {
        var file = paths.ExportFile(entry.Data.ExportFile);
        if (!File.Exists(file))
        {
            return UploadOutcome.Reject($"Export file {entry.Data.ExportFile} is missing");
        }
        try
        {
            return await uploader.UploadAsync(entry, file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever the transport throws is a passing fault until the attempts run out.
            return UploadOutcome.Retry(ex.Message);
        }
    }

    /// <summary>Drops history entries and export files older than the retention period.</summary>
    public void Prune()
    {
        var cutoff = time.GetUtcNow() - options.Value.HistoryRetention;
        var stillNeeded = store.PruneHistory(cutoff);
        foreach (var pruned in ExportFileJanitor.DeleteOlderThan(paths.FailedExports, cutoff, static _ => true)
                     .Concat(ExportFileJanitor.DeleteOlderThan(paths.ExportFiles, cutoff, name => !stillNeeded.Contains(name))))
        {
            Log.Pruned(logger, pruned);
        }
    }

    public void Dispose() => _processing.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Pruned {File}")]
        public static partial void Pruned(ILogger logger, string file);

        [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Could not move {File} to failed_exports")]
        public static partial void MoveFailed(ILogger logger, string file, Exception exception);
    }
}
