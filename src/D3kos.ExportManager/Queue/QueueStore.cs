using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace D3kos.ExportManager.Queue;

/// <summary>
/// The durable state of the retry queue: the entries waiting for delivery and the finished ones (history).
/// Memory holds the truth while the process runs; every change is written to disk before the caller
/// hears of it, so an acknowledged export survives any crash. Broken or legacy files are recovered here.
/// </summary>
public sealed partial class QueueStore(ExportPaths paths, TimeProvider time, ILogger<QueueStore> logger)
{
    private readonly Lock _gate = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private List<QueueEntry> _active = [];
    private List<QueueEntry> _history = [];
    private bool _loaded;
    private bool _unsaved;

    public bool IsInitialized => _loaded;

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

    /// <summary>Adds a pending entry; it is on disk when this returns, or the call throws and nothing changed.</summary>
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

    /// <summary>The active entries due at <paramref name="now"/>, after writing out any change an earlier save missed.</summary>
    public IReadOnlyList<QueueEntry> DueEntries(DateTimeOffset now)
    {
        lock (_gate)
        {
            EnsureLoaded();
            SaveIfBehind();
            return [.. _active.Where(e => e.IsDue(now))];
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

    /// <summary>Replaces an active entry with its next state; a finished one moves to the history.</summary>
    public void Record(QueueEntry updated)
    {
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

    /// <summary>Drops history entries that finished before <paramref name="cutoff"/>; answers the export files active entries still need.</summary>
    public IReadOnlySet<string> PruneHistory(DateTimeOffset cutoff)
    {
        lock (_gate)
        {
            EnsureLoaded();
            if (_history.RemoveAll(e => (e.FinishedAt ?? e.Timestamp) < cutoff) > 0)
            {
                _unsaved = true;
                SaveIfBehind();
            }
            return _active.Select(e => e.Data.ExportFile).ToHashSet(StringComparer.Ordinal);
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Queued export {Id} ({File})")]
        public static partial void Queued(ILogger logger, string id, string file);

        [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Export {Id} is now {Status} after {Attempts} attempt(s); last error: {Error}")]
        public static partial void Attempted(ILogger logger, string id, QueueStatus status, int attempts, string error);

        [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Queue file was broken and moved to {MovedTo} ({Problem}); {Recovered} entries recovered")]
        public static partial void CorruptFile(ILogger logger, string movedTo, string problem, int recovered);

        [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Could not write the queue to disk; will write again on the next change")]
        public static partial void SaveFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Queue loaded: {Active} active, {History} in history")]
        public static partial void Loaded(ILogger logger, int active, int history);

        [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Upgraded a queue file of d3kOS v0.9.1.2 (original kept as {Original}): {Entries} entries carried over, {Skipped} unreadable elements skipped; {Problem}")]
        public static partial void Upgraded(ILogger logger, string original, int entries, int skipped, string problem);
    }
}
