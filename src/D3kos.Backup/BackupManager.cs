using System.IO.Compression;
using D3kos.Common.Files;
using D3kos.Common.Licensing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>
/// Every backup operation, for the API, the CLI and the scripts alike. Operations that change the
/// backups folder or the live data hold the cross-process lock.
/// </summary>
public sealed partial class BackupManager(
    BackupPaths paths,
    IOptions<BackupOptions> options,
    LicenseReader license,
    ServiceController services,
    BackupPassphrase passphrase,
    TimeProvider time,
    ILogger<BackupManager> logger)
{
    private const int CreateAttempts = 3;

    public BackupPaths Paths => paths;

    /// <summary>A manual backup (the owner's, from the API, the CLI or the page).</summary>
    /// <param name="cancellationToken">Stops the backup between two files; its partial files are removed and the lock released.</param>
    public BackupResult Create(BackupProgress? progress = null, CancellationToken cancellationToken = default) =>
        Create(BackupNames.RegularPrefix, progress, cancellationToken);

    /// <summary>An automatic backup (the schedule's), with the retention of its kind; never deletes a manual one.</summary>
    public BackupResult CreateAutomatic() => Create(BackupNames.AutomaticPrefix, null, CancellationToken.None);

    private BackupResult Create(string prefix, BackupProgress? progress, CancellationToken cancellationToken)
    {
        using var _ = AcquireForChange(progress, cancellationToken);
        var result = CreateLocked(prefix, progress, cancellationToken);
        ApplyRetention(prefix, result.FileName);
        return result;
    }

    public IReadOnlyList<BackupInfo> List() => BackupCatalog.List(paths);

    /// <summary>What the last start did with a cut-off restore, when one was found.</summary>
    public RestoreRecovery? LastRecovery() => StatusFile.Read(paths.RestoreRecoveryFile, BackupJsonContext.Default.RestoreRecovery);

    /// <summary>
    /// Whether the next backup would find room on the card: the same estimate and margin the backup itself
    /// checks before its first byte (<see cref="FreeSpace"/>), from a walk of the sources that keeps no files.
    /// </summary>
    public SpaceOutlook NextBackupSpace(CancellationToken cancellationToken = default)
    {
        paths.EnsureBackupsFolder();
        var totals = SourceScanner.Count(SourceScanner.Find(paths), cancellationToken);
        return FreeSpace.Outlook(paths.BackupsFolder, totals.SpaceNeeded, options.Value.FreeSpaceMarginBytes);
    }

    /// <summary>True for a backup made by d3kOS v0.9.1.2 (no manifest, no per-file checksums).</summary>
    public bool IsLegacy(string name) => BackupCatalog.IsLegacy(paths, Path.GetFileName(ExistingBackup(name)));

    public VerifyReport Verify(string name, BackupProgress? progress = null, CancellationToken cancellationToken = default) =>
        VerifyFile(ExistingBackup(name), progress, cancellationToken);

    /// <summary>Verifies any archive file (the CLI may point at a USB stick).</summary>
    public VerifyReport VerifyFile(string path, BackupProgress? progress = null, CancellationToken cancellationToken = default) => File.Exists(path)
        ? ArchiveReader.Read(path, paths.Sources, options.Value.MaxRestoreBytes, progress: progress, cancellationToken: cancellationToken)
        : throw new BackupException(BackupError.NotFound, $"No file at {path}.");

    public void Delete(string name, CancellationToken cancellationToken = default)
    {
        using var _ = AcquireForChange(null, cancellationToken);
        BackupCatalog.Delete(ExistingBackup(name));
        Log.Deleted(logger, name);
    }

    /// <summary>
    /// Run at every start of the API and the CLI: finishes or rolls back a restore that a crash or
    /// power cut interrupted, and removes what a killed backup or upload left (*.partial, snapshots).
    /// A restore cut off after its swap still has the old state aside: its safety backup is written now,
    /// or, with <paramref name="keepInBackground"/> (the API, which must answer meanwhile), on a thread
    /// that holds the lock until it is durable. Skipped when another process holds the lock: that process
    /// is alive and owns those files.
    /// </summary>
    public void RecoverAfterCrash(bool keepInBackground = false, BackupProgress? progress = null)
    {
        if (!Directory.Exists(paths.BackupsFolder))
        {
            return;
        }
        BackupLock? held;
        try
        {
            held = BackupLock.Acquire(paths);
        }
        catch (BackupException ex) when (ex.Error == BackupError.Busy)
        {
            return;
        }
        try
        {
            RestoreJournal? keep = null;
            if (File.Exists(paths.JournalFile))
            {
                try
                {
                    var cutOff = RestoreJournalFile.Read(paths);
                    keep = new RestoreEngine(paths, options.Value, services, logger).Recover();
                    if (cutOff is not null)
                    {
                        StatusFile.Write(paths.RestoreRecoveryFile, new RestoreRecovery(time.GetUtcNow(), cutOff.BackupFile,
                            RestoreRecovery.OutcomeOf(cutOff.Phase)), BackupJsonContext.Default.RestoreRecovery, logger);
                    }
                }
                catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException)
                {
                    // The journal stays for the next start; the service still starts, so the owner can see and act.
                    Log.RecoveryFailed(logger, ex);
                }
            }
            RemoveStaleFiles();
            if (keep is not null && keepInBackground)
            {
                StartKeeping(keep, held, progress);
                held = null;
            }
            else if (keep is not null)
            {
                TryKeepOldState(keep, progress);
            }
        }
        finally
        {
            held?.Dispose();
        }
    }

    private void RemoveStaleFiles()
    {
        // A running import keeps its partial files without the backup lock; it holds the import lock.
        using (var noImports = BackupLock.TryAcquireNoImports(paths))
        {
            var stalePartials = noImports is null ? [] : Directory.GetFiles(paths.BackupsFolder, "*.partial");
            foreach (var stale in stalePartials)
            {
                AtomicFile.TryDelete(stale);
                Log.StaleRemoved(logger, stale);
            }
        }
        foreach (var stale in Directory.EnumerateDirectories(paths.BackupsFolder, ".snapshot-*"))
        {
            Directory.Delete(stale, recursive: true);
            Log.StaleRemoved(logger, stale);
        }
        // A process killed between renaming a new backup in and applying retention left one too many.
        ApplyRetention(BackupNames.RegularPrefix, null);
        ApplyRetention(BackupNames.AutomaticPrefix, null);
        ApplyRetention(BackupNames.ImportedPrefix, null);
        ApplyRetention(BackupNames.SafetyPrefix, null);
    }

    /// <summary>
    /// Keeps the newest of one kind by that kind's own rule (a count; days and weeks for automatic ones);
    /// never the one just made. Each kind is counted apart, so no kind pushes out another. Legacy backups
    /// (d3kOS v0.9.1.2, made here or imported) are their own kind: never counted or deleted.
    /// </summary>
    private void ApplyRetention(string prefix, string? justMade)
    {
        var settings = options.Value;
        Func<IReadOnlyList<string>, IEnumerable<string>> doomed = prefix switch
        {
            BackupNames.AutomaticPrefix => names => names.Except(AutomaticRetention.Kept(names, settings.Schedule.KeepDaily, settings.Schedule.KeepWeekly)),
            BackupNames.SafetyPrefix => names => names.Skip(settings.KeepSafety),
            BackupNames.ImportedPrefix => names => names.Skip(settings.KeepImported),
            _ => names => names.Skip(settings.Keep),
        };
        var ofKind = (string name) => BackupNames.IsBackupName(name) && name.StartsWith(prefix, StringComparison.Ordinal)
            && (prefix is BackupNames.SafetyPrefix or BackupNames.AutomaticPrefix || !BackupCatalog.IsLegacy(paths, name));
        foreach (var deleted in BackupCatalog.ApplyRetention(paths, ofKind, doomed, justMade ?? ""))
        {
            Log.RetentionDeleted(logger, deleted);
        }
    }

    private void LogLeftOut(LeftOutNotes notes)
    {
        foreach (var note in notes.First)
        {
            Log.Ignored(logger, note);
        }
        if (notes.More > 0)
        {
            Log.IgnoredMore(logger, notes.More);
        }
    }

    private BackupResult CreateLocked(string prefix, BackupProgress? progress, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // The scan is inside the attempt: a source that vanishes under it starts it over too.
                var scan = SourceScanner.Find(paths);
                paths.EnsureBackupsFolder();
                var created = time.GetUtcNow();
                var name = BackupNames.NewName(paths.BackupsFolder, prefix, created);
                if (BackupNames.CreatedFromName(name) is { } named && named > created)
                {
                    // A clock behind the newest backup continues its stamp: the manifest then says the name's
                    // time, so a copy's name and content agree when it is imported (CopyNameCheck).
                    created = named;
                }
                return WriteArchive(scan, name, created, progress, BackupProgress.BackingUp, CompressionLevel.Optimal, cancellationToken);
            }
            catch (BackupException ex) when (ex.Error == BackupError.SourceChanged && attempt < CreateAttempts)
            {
                Log.SourceChangedRetry(logger, ex.Message, attempt);
            }
        }
    }

    /// <summary>One archive of <paramref name="scan"/> under <paramref name="name"/>, with its checksum beside it.</summary>
    private BackupResult WriteArchive(SourceScan scan, string name, DateTimeOffset created, BackupProgress? progress, string phase,
        CompressionLevel level, CancellationToken cancellationToken)
    {
        try
        {
            var leftOut = new LeftOutNotes();
            var result = ArchiveWriter.Write(paths, scan, name, created, license.Read().InstallationId, progress, totals =>
            {
                LogLeftOut(totals.Ignored);
                // Every byte once (images compress little) plus one database snapshot while it is copied.
                FreeSpace.Ensure(paths.BackupsFolder, totals.SpaceNeeded, options.Value.FreeSpaceMarginBytes, "for a backup", "Nothing was written.");
            }, databaseBytes => FreeSpace.Ensure(paths.BackupsFolder, databaseBytes, options.Value.FreeSpaceMarginBytes, "for a database's snapshot", "Nothing was written."),
                leftOut.Add, level, phase, cancellationToken);
            LogLeftOut(leftOut);
            BackupCatalog.WriteChecksum(result.Path, result.Sha256);
            Log.Created(logger, result.FileName, result.SizeBytes, result.FileCount, result.DurationMs);
            return result;
        }
        catch (IOException ex) when (AtomicFile.IsDiskFull(ex))
        {
            throw new BackupException(BackupError.DiskFull, "The disk filled up while the backup was written; the partial file was removed and older backups are untouched.", ex);
        }
    }

    /// <summary>
    /// A backup by name, only as a plain file: a symlink named like a backup (pointing at /etc/shadow, say)
    /// is "not found", never followed. The folder is root's alone, so nobody else can swap it afterwards.
    /// </summary>
    private string ExistingBackup(string name)
    {
        var path = paths.BackupFile(name);
        return BackupCatalog.IsRegularFile(path) ? path : throw new BackupException(BackupError.NotFound, $"No backup named {name}.");
    }

    /// <summary>The path of an existing backup, for the download; refuses what is not a plain backup file.</summary>
    public string PathOf(string name) => ExistingBackup(name);
}
