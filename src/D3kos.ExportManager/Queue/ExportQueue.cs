using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;
using D3kos.ExportManager.Upload;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.ExportManager.Queue;

/// <summary>
/// The durable retry queue. Memory holds the truth while the process runs; every change is written
/// to disk before the caller hears of it, so an acknowledged export survives any crash.
/// </summary>
public sealed partial class ExportQueue(
    ExportPaths paths,
    IOptions<ExportOptions> options,
    ICentralUploader uploader,
    TimeProvider time,
    ILogger<ExportQueue> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _processing = new(1, 1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private List<QueueEntry> _active = [];
    private List<QueueEntry> _history = [];
    private bool _loaded;
    private bool _unsaved;

    public bool IsInitialized => _loaded;

    public string ExportFolder => paths.ExportFiles;

    public ProcessReport? LastRun { get; private set; }

    /// <summary>Completes when an entry was queued since the last wake-up.</summary>
    public ValueTask<bool> WaitForWorkAsync(CancellationToken cancellationToken) => _wake.Reader.WaitToReadAsync(cancellationToken);

    public void ConsumeWake() => _wake.Reader.TryRead(out _);

    public void Initialize()
    {
        lock (_gate)
        {
            EnsureLoaded();
        }
    }

    public QueueEntry Enqueue(ExportType type, ExportData data)
    {
        QueueEntry entry;
        lock (_gate)
        {
            EnsureLoaded();
            var now = time.GetUtcNow();
            entry = new QueueEntry { Id = NewUniqueId(type, now), Type = type, Data = data, Timestamp = now, Status = QueueStatus.Pending };
            _active.Add(entry);
            try
            {
                QueueFile.Save(paths.QueueFile, _active);
                _unsaved = false;
            }
            catch
            {
                // Not on disk means not accepted: the caller gets an error and memory matches the file.
                _active.Remove(entry);
                throw;
            }
        }
        _wake.Writer.TryWrite(true);
        Log.Queued(logger, entry.Id, entry.Data.ExportFile);
        return entry;
    }

    public QueueStats Stats()
    {
        lock (_gate)
        {
            EnsureLoaded();
            var pending = _active.Count(e => e.Status == QueueStatus.Pending);
            var retry = _active.Count - pending;
            var completed = _history.Count(e => e.Status == QueueStatus.Completed);
            var failed = _history.Count - completed;
            return new QueueStats(pending, retry, completed, failed, _active.Count + _history.Count);
        }
    }

    public IReadOnlyList<QueueEntry> ActiveEntries()
    {
        lock (_gate)
        {
            EnsureLoaded();
            return [.. _active];
        }
    }

    /// <summary>Finished entries, newest first.</summary>
    public IReadOnlyList<QueueEntry> HistoryEntries()
    {
        lock (_gate)
        {
            EnsureLoaded();
            return [.. _history.OrderByDescending(e => e.FinishedAt ?? e.Timestamp)];
        }
    }

    /// <summary>When the earliest active entry becomes due, or null when nothing waits.</summary>
    public DateTimeOffset? NextDueAt()
    {
        lock (_gate)
        {
            EnsureLoaded();
            return _active.Count == 0 ? null : _active.Min(e => e.NextRetry ?? e.Timestamp);
        }
    }

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
        List<QueueEntry> due;
        lock (_gate)
        {
            EnsureLoaded();
            SaveIfBehind();
            due = [.. _active.Where(e => e.IsDue(startedAt))];
        }

        int completed = 0, retrying = 0, failed = 0;
        foreach (var entry in due)
        {
            var outcome = await UploadAsync(entry, cancellationToken).ConfigureAwait(false);
            var updated = QueueTransitions.Next(entry, outcome, time.GetUtcNow(), options.Value);
            Record(updated);
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

    private void Record(QueueEntry updated)
    {
        if (updated.Status == QueueStatus.Failed && ExportFileJanitor.MoveToFailedFolder(paths, updated.Data.ExportFile) is { } problem)
        {
            Log.MoveFailed(logger, updated.Data.ExportFile, problem);
        }
        lock (_gate)
        {
            var index = _active.FindIndex(e => e.Id == updated.Id);
            if (index < 0)
            {
                return;
            }
            if (updated.IsActive)
            {
                _active[index] = updated;
            }
            else
            {
                _history.Add(updated);
                _active.RemoveAt(index);
            }
            _unsaved = true;
            SaveIfBehind();
        }
        Log.Attempted(logger, updated.Id, updated.Status, updated.Attempts, updated.LastError ?? "none");
    }

    /// <summary>Drops history entries and export files older than the retention period.</summary>
    public void Prune()
    {
        var cutoff = time.GetUtcNow() - options.Value.HistoryRetention;
        HashSet<string> stillNeeded;
        lock (_gate)
        {
            EnsureLoaded();
            if (_history.RemoveAll(e => (e.FinishedAt ?? e.Timestamp) < cutoff) > 0)
            {
                _unsaved = true;
                SaveIfBehind();
            }
            stillNeeded = [.. _active.Select(e => e.Data.ExportFile)];
        }
        foreach (var pruned in ExportFileJanitor.DeleteOlderThan(paths.FailedExports, cutoff, static _ => true)
                     .Concat(ExportFileJanitor.DeleteOlderThan(paths.ExportFiles, cutoff, name => !stillNeeded.Contains(name))))
        {
            Log.Pruned(logger, pruned);
        }
    }

    /// <summary>
    /// Writes history before queue: a crash between the two leaves an entry in both, which loading
    /// resolves in favour of the history; the other order could lose a finished entry.
    /// </summary>
    private void SaveIfBehind()
    {
        if (!_unsaved)
        {
            return;
        }
        try
        {
            QueueFile.Save(paths.HistoryFile, _history);
            QueueFile.Save(paths.QueueFile, _active);
            _unsaved = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Memory stays right; the next change writes again. A crash before then only repeats an
            // upload, which the Idempotency-Key makes harmless.
            Log.SaveFailed(logger, ex);
        }
    }

    private void EnsureLoaded()
    {
        if (_loaded)
        {
            return;
        }
        var now = time.GetUtcNow();
        // Files in the format of d3kOS v0.9.1.2 (a bare array, naive local times) are upgraded in place.
        var legacy = new LegacyUpgrade(paths, time.LocalTimeZone);
        var queue = QueueFile.Load(paths.QueueFile, now, legacy);
        var history = QueueFile.Load(paths.HistoryFile, now, legacy);
        foreach (var load in new[] { queue, history })
        {
            if (load.MovedAsideTo is not null)
            {
                Log.CorruptFile(logger, load.MovedAsideTo, load.Problem ?? "unknown", load.Entries.Count);
            }
            if (load.UpgradedFrom is not null)
            {
                Log.Upgraded(logger, load.UpgradedFrom, load.Entries.Count, load.Skipped, load.Problem ?? "the file was complete");
            }
        }
        var finished = history.Entries.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        _history = history.Entries;
        _active = [.. queue.Entries.Where(e => e.IsActive && !finished.Contains(e.Id))];
        // A finished entry found in the queue file (a crash between the two writes) belongs in the history.
        _history.AddRange(queue.Entries.Where(e => !e.IsActive && !finished.Contains(e.Id)));
        _unsaved = queue.MovedAsideTo is not null || history.MovedAsideTo is not null || _active.Count != queue.Entries.Count;
        _loaded = true;
        SaveIfBehind();
        Log.Loaded(logger, _active.Count, _history.Count);
    }

    private string NewUniqueId(ExportType type, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        while (true)
        {
            var id = $"{QueueNames.Of(type)}_{stamp}_{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
            if (!_active.Exists(e => e.Id == id) && !_history.Exists(e => e.Id == id))
            {
                return id;
            }
        }
    }

    public void Dispose() => _processing.Dispose();
}
