using System.Diagnostics;
using System.IO.Compression;

namespace D3kos.Backup;

/// <summary>What a restore did, once the services are back with the new files.</summary>
/// <param name="DurationMs">From reading the archive to the services back: what the owner waits for.</param>
/// <param name="DowntimeMs">From stopping the services to starting them again: what the boat feels.</param>
/// <param name="Keeping">The safety backup of the replaced state, still being written when this is returned.</param>
public sealed record RestoreResult(
    string BackupFile,
    int FilesRestored,
    IReadOnlyList<string> SourcesRestored,
    bool InstallationIdKept,
    IReadOnlyList<string> Warnings,
    long DurationMs,
    long DowntimeMs,
    OldStateKeeping Keeping)
{
    public string SafetyBackup => Keeping.SafetyBackup;
}

/// <summary>Where the old state of the last restore is, for status: being written, waiting, or not kept and why.</summary>
/// <param name="State">"writing", "waiting" (for the next start of the backup API) or "failed".</param>
public sealed record OldStateStatus(string State, string RestoredFrom, string SafetyBackup, long Done, long Total, string? Error);

/// <summary>A restore up to the services back with the new files; the old state's safety backup comes after.</summary>
internal sealed record SwappedRestore(
    RestoreJournal Journal, int Files, IReadOnlyList<string> Sources, bool IdKept, List<string> Warnings, long DurationMs, long DowntimeMs);

public sealed partial class BackupManager
{
    private volatile OldStateKeeping? _keeping;

    /// <summary>The old state this process is keeping, or kept last (its outcome, for status).</summary>
    public OldStateKeeping? Keeping => _keeping;

    /// <summary>
    /// Restores a backup and answers as soon as the services are back with its files. The state it replaced
    /// is then kept in a safety backup (<see cref="RestoreResult.Keeping"/>), written from the folders the
    /// swap set aside while the boat runs again; they are removed only once it is durable.
    /// </summary>
    /// <param name="acceptNoChecksums">The owner confirmed restoring a legacy backup, which has no per-file checksums.</param>
    /// <param name="cancellationToken">Stops the restore while it unpacks, before anything live is touched; once the swap begins it runs to the end.</param>
    public RestoreResult Restore(string name, bool replaceInstallationId, BackupProgress? progress = null, bool acceptNoChecksums = false,
        CancellationToken cancellationToken = default)
    {
        BackupLock? held = AcquireForChange(progress, cancellationToken);
        try
        {
            var archive = ExistingBackup(name);
            // One journal at a time: a restore whose old state is still aside (cut off, or its safety backup
            // failed) has it kept first, or this one is refused with that reason.
            if (RestoreJournalFile.Read(paths) is { Phase: RestorePhase.Keeping } pending)
            {
                KeepOldState(pending, progress);
            }
            var swapped = new RestoreEngine(paths, options.Value, services, logger).Restore(archive, replaceInstallationId, acceptNoChecksums,
                progress, () => BackupNames.NewName(paths.BackupsFolder, BackupNames.SafetyPrefix, time.GetUtcNow()), cancellationToken);
            var keeping = StartKeeping(swapped.Journal, held, progress);
            held = null;
            return new RestoreResult(swapped.Journal.BackupFile, swapped.Files, swapped.Sources, swapped.IdKept, swapped.Warnings,
                swapped.DurationMs, swapped.DowntimeMs, keeping);
        }
        finally
        {
            held?.Dispose();
        }
    }

    /// <summary>
    /// The backup lock for a change (a backup, a restore, a delete). While a restore's old state is being
    /// kept (and then its aside folders removed), here or in another process, the change waits for it and
    /// says why in its progress: the owner asked for something that can run in a minute, not for "busy".
    /// Anything else holding the lock is busy.
    /// </summary>
    private BackupLock AcquireForChange(BackupProgress? progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return BackupLock.Acquire(paths);
            }
            // Keeping, then "swapped" while the aside folders are removed: the lock is still the last restore's.
            catch (BackupException ex) when (ex.Error == BackupError.Busy && RestoreJournalFile.Read(paths) is { Phase: RestorePhase.Keeping or RestorePhase.Swapped })
            {
                if (progress is not null && progress.Phase != BackupProgress.WaitingForSafetyBackup)
                {
                    progress.Begin(BackupProgress.WaitingForSafetyBackup, 0);
                }
                cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>Keeps the old state on a thread of its own, which owns <paramref name="held"/> and releases it at the end.</summary>
    private OldStateKeeping StartKeeping(RestoreJournal journal, BackupLock held, BackupProgress? progress)
    {
        var keeping = new OldStateKeeping(journal.SafetyBackup ?? SafetyName(), journal.BackupFile, progress ?? new BackupProgress());
        _keeping = keeping;
        keeping.Start(() =>
        {
            using (held)
            {
                KeepOldState(journal with { SafetyBackup = keeping.SafetyBackup }, keeping.Progress);
            }
        });
        return keeping;
    }

    private void TryKeepOldState(RestoreJournal journal, BackupProgress? progress)
    {
        try
        {
            KeepOldState(journal, progress);
        }
        catch (BackupException)
        {
            // Logged, and written into the journal for status; the aside folders stay for the next start.
        }
    }

    /// <summary>
    /// Writes the safety backup of the folders a restore set aside, then, once it is durable, marks the
    /// journal "swapped" and removes them. A failure (the card full, a damaged file) keeps them and the
    /// journal, says why in it and in the log, and is thrown; the next start or restore tries again.
    /// </summary>
    private void KeepOldState(RestoreJournal journal, BackupProgress? progress)
    {
        var clock = Stopwatch.StartNew();
        var name = journal.SafetyBackup ?? SafetyName();
        try
        {
            if (!AlreadyKept(name))
            {
                var created = BackupNames.CreatedFromName(name) ?? time.GetUtcNow();
                WriteArchive(AsideState(journal), name, created, progress, BackupProgress.KeepingOldState, CompressionLevel.Fastest, CancellationToken.None);
            }
            ApplyRetention(BackupNames.SafetyPrefix, name);
            RestoreJournalFile.Write(paths, journal with { Phase = RestorePhase.Swapped, SafetyBackup = name, SafetyFailure = null });
        }
        catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            var failure = ex is BackupException { Error: BackupError.DiskFull }
                ? $"The old state could not be kept in a safety backup: {ex.Message} It stays set aside beside each restored folder; free some space and the next start of the backup API writes it."
                : $"The old state could not be kept in a safety backup ({ex.Message}); it stays set aside beside each restored folder, and the next start of the backup API tries again.";
            try
            {
                RestoreJournalFile.Write(paths, journal with { SafetyBackup = name, SafetyFailure = failure });
            }
            catch (IOException)
            {
                // The journal still says "keeping": the next start tries again all the same.
            }
            Log.OldStateNotKept(logger, journal.BackupFile, ex);
            throw new BackupException(ex is BackupException known ? known.Error : BackupError.RestoreFailed, failure, ex);
        }
        try
        {
            new RestoreEngine(paths, options.Value, services, logger).CleanUp(journal.Swaps);
        }
        catch (IOException ex)
        {
            // Kept and durable: only the removal is left, which the next start does (the journal says "swapped").
            Log.CleanUpLeft(logger, ex);
        }
        Log.OldStateKept(logger, name, journal.BackupFile, clock.ElapsedMilliseconds);
    }

    /// <summary>A safety backup by that name that checks out: a cut after it was written and before the journal said so.</summary>
    private bool AlreadyKept(string name)
    {
        var path = Path.Combine(paths.BackupsFolder, name);
        if (!BackupCatalog.IsRegularFile(path))
        {
            return false;
        }
        if (ArchiveReader.Read(path, paths.Sources, options.Value.MaxRestoreBytes).Valid)
        {
            BackupCatalog.Checksum(path);
            return true;
        }
        BackupCatalog.Delete(path);
        return false;
    }

    /// <summary>
    /// The replaced sources as they lie aside in the restore's work folders, under their own names in the
    /// archive; what is never archived (the device's secrets) is left out there as it is live.
    /// </summary>
    private SourceScan AsideState(RestoreJournal journal)
    {
        var aside = new List<BackupSource>();
        var neverArchived = new HashSet<string>(paths.NeverArchived, StringComparer.Ordinal);
        foreach (var swap in journal.Swaps.Where(s => s.LiveExisted))
        {
            if (paths.Sources.FirstOrDefault(s => s.RealPath == swap.Live) is not { } source)
            {
                continue;
            }
            aside.Add(source with { RealPath = swap.Old });
            foreach (var never in paths.NeverArchived.Where(p => p == swap.Live || p.StartsWith(swap.Live + "/", StringComparison.Ordinal)))
            {
                neverArchived.Add(swap.Old + never[swap.Live.Length..]);
            }
        }
        return SourceScanner.Find(aside, neverArchived);
    }

    /// <summary>A name for a journal that did not record one (written by an older version).</summary>
    private string SafetyName() => BackupNames.NewName(paths.BackupsFolder, BackupNames.SafetyPrefix, time.GetUtcNow());

    /// <summary>
    /// The old state of a restore not yet kept, for status: from this process's keeping, or from the
    /// journal when another process (or the next start) has it. Null when every restore's old state is kept.
    /// </summary>
    public OldStateStatus? OldState()
    {
        if (_keeping is { Finished: false } running)
        {
            return new OldStateStatus("writing", running.RestoredFrom, running.SafetyBackup, running.Progress.Done, running.Progress.Total, null);
        }
        if (RestoreJournalFile.Read(paths) is not { Phase: RestorePhase.Keeping } journal)
        {
            return null;
        }
        var safety = journal.SafetyBackup ?? "";
        if (journal.SafetyFailure is { } failure)
        {
            return new OldStateStatus("failed", journal.BackupFile, safety, 0, 0, failure);
        }
        return new OldStateStatus(LockHeldElsewhere() ? "writing" : "waiting", journal.BackupFile, safety, 0, 0, null);
    }

    private bool LockHeldElsewhere()
    {
        try
        {
            using var _ = BackupLock.Acquire(paths);
            return false;
        }
        catch (BackupException ex) when (ex.Error == BackupError.Busy)
        {
            return true;
        }
    }
}
