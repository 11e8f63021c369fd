using System.IO.Compression;
using D3kos.Common.Files;
using D3kos.Common.Licensing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>What a restore did.</summary>
/// <param name="DurationMs">The whole restore, from reading the archive to the previous copy removed.</param>
/// <param name="DowntimeMs">From stopping the services to starting them again: what the boat feels.</param>
/// <param name="CleanupMs">The removal of the previous copy (renamed aside by the swap) at the end, with the services already back.</param>
public sealed record RestoreResult(
    string BackupFile,
    string SafetyBackup,
    int FilesRestored,
    IReadOnlyList<string> SourcesRestored,
    bool InstallationIdKept,
    IReadOnlyList<string> Warnings,
    long DurationMs,
    long DowntimeMs,
    long CleanupMs);

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

    /// <summary>How long a received and checked import waits for a running backup or restore before it gives up (409).</summary>
    private static readonly TimeSpan ImportLockPatience = TimeSpan.FromMinutes(2);

    public BackupPaths Paths => paths;

    /// <summary>A manual backup (the owner's, from the API, the CLI or the page).</summary>
    /// <param name="cancellationToken">Stops the backup between two files; its partial files are removed and the lock released.</param>
    public BackupResult Create(BackupProgress? progress = null, CancellationToken cancellationToken = default) =>
        Create(BackupNames.RegularPrefix, progress, cancellationToken);

    /// <summary>An automatic backup (the schedule's), with the retention of its kind; never deletes a manual one.</summary>
    public BackupResult CreateAutomatic() => Create(BackupNames.AutomaticPrefix, null, CancellationToken.None);

    private BackupResult Create(string prefix, BackupProgress? progress, CancellationToken cancellationToken)
    {
        using var _ = BackupLock.Acquire(paths);
        var result = CreateLocked(prefix, progress, cancellationToken);
        ApplyRetention(prefix, result.FileName);
        return result;
    }

    public IReadOnlyList<BackupInfo> List() => BackupCatalog.List(paths);

    /// <summary>True for a backup made by d3kOS v0.9.1.2 (no manifest, no per-file checksums).</summary>
    public bool IsLegacy(string name) => BackupCatalog.IsLegacy(paths, Path.GetFileName(ExistingBackup(name)));

    public VerifyReport Verify(string name, BackupProgress? progress = null, CancellationToken cancellationToken = default) =>
        VerifyFile(ExistingBackup(name), progress, cancellationToken);

    /// <summary>Verifies any archive file (the CLI may point at a USB stick).</summary>
    public VerifyReport VerifyFile(string path, BackupProgress? progress = null, CancellationToken cancellationToken = default) => File.Exists(path)
        ? ArchiveReader.Read(path, paths.Sources, options.Value.MaxRestoreBytes, progress: progress, cancellationToken: cancellationToken)
        : throw new BackupException(BackupError.NotFound, $"No file at {path}.");

    public void Delete(string name)
    {
        using var _ = BackupLock.Acquire(paths);
        BackupCatalog.Delete(ExistingBackup(name));
        Log.Deleted(logger, name);
    }

    /// <summary>
    /// Keeps a backup made elsewhere (a new Pi after the old card died, a copy from a stick): streamed to a
    /// partial file, decrypted when it is an encrypted copy (with this device's passphrase; its integrity
    /// code checked), verified whole, then named for when it arrived, as kind "imported". Never for the date
    /// inside it: an archive from outside could claim 2999 and push the boat's own backups out of retention.
    /// </summary>
    /// <param name="expectedSha256">The SHA-256 the sender gave for these bytes (a copy in a bucket has one), checked before anything else.</param>
    /// <param name="requireEncrypted">Refuse a plain archive: a copy from a target whose copies are encrypted was made with this passphrase, or not by this boat.</param>
    public async Task<BackupInfo> ImportAsync(Stream body, CancellationToken cancellationToken, string? expectedSha256 = null, bool requireEncrypted = false)
    {
        paths.EnsureBackupsFolder();
        using var importing = await BackupLock.AcquireImportAsync(paths, cancellationToken);
        var partial = Path.Combine(paths.BackupsFolder, $".upload-{Guid.NewGuid():N}.partial");
        var decrypted = partial + "-decrypted.partial";
        try
        {
            var sha256 = await ReceiveAsync(body, partial, cancellationToken);
            if (expectedSha256 is not null && !string.Equals(sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new BackupException(BackupError.InvalidArchive,
                    $"The copy arrived damaged: its SHA-256 is {sha256}, not the {expectedSha256} it was sent with. Nothing was kept.");
            }
            if (requireEncrypted && !OpenPgpFile.LooksEncrypted(partial))
            {
                // Whoever can write to the bucket could put a plain archive there; the passphrase is what shows a copy is the boat's own.
                throw new BackupException(BackupError.InvalidArchive,
                    "The copy is not encrypted, but this target's copies are: it was not made by this boat's copies, so nothing was kept.");
            }
            if (OpenPgpFile.LooksEncrypted(partial))
            {
                sha256 = await Task.Run(() => Decrypt(partial, decrypted), cancellationToken);
                AtomicFile.TryDelete(partial);
                partial = decrypted;
            }
            var report = ArchiveReader.Read(partial, paths.Sources, options.Value.MaxRestoreBytes);
            if (!report.Valid)
            {
                throw new BackupException(report.Failure, $"The uploaded file is not a usable backup: {string.Join("; ", report.Errors.Take(3)).TrimEnd('.')}. Nothing was kept.");
            }
            using var _ = await BackupLock.AcquireAsync(paths, ImportLockPatience, cancellationToken);
            var name = BackupNames.NewName(paths.BackupsFolder, BackupNames.ImportedPrefix, time.GetUtcNow());
            var kept = Path.Combine(paths.BackupsFolder, name);
            AtomicFile.MoveDurably(partial, kept);
            BackupCatalog.WriteChecksum(kept, sha256);
            Log.Imported(logger, name);
            ApplyRetention(BackupNames.ImportedPrefix, name);
            return BackupCatalog.Describe(paths, name);
        }
        finally
        {
            AtomicFile.TryDelete(partial);
            AtomicFile.TryDelete(decrypted);
        }
    }

    /// <summary>Streams an upload into a new owner-only file, within the size limit; returns its SHA-256.</summary>
    private async Task<string> ReceiveAsync(Stream body, string partial, CancellationToken cancellationToken)
    {
        await using var file = BackupPaths.CreateArchive(partial, FileAccess.Write, useAsync: true);
        // Hashed as it arrives, so the list never has to read a large upload again for its checksum.
        await using var hashing = new HashingStream(file, leaveOpen: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > options.Value.MaxUploadBytes)
            {
                throw new BackupException(BackupError.TooLarge, $"The upload is larger than the {options.Value.MaxUploadBytes / (1024 * 1024)} MiB limit; nothing was kept.");
            }
            await hashing.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
        return hashing.TakeHashHex();
    }

    /// <summary>Decrypts an encrypted copy into a new owner-only file; returns the backup's SHA-256.</summary>
    private string Decrypt(string encrypted, string decrypted)
    {
        var secret = passphrase.Read();
        try
        {
            using var input = new FileStream(encrypted, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var content = OpenPgpFile.OpenDecrypting(input, secret);
            // Space for the encrypted size at least (a copy of ours decrypts to a few hundred bytes less).
            FreeSpace.Ensure(paths.BackupsFolder, input.Length, options.Value.FreeSpaceMarginBytes, "to decrypt the copy", "Nothing was kept.");
            using var output = BackupPaths.CreateArchive(decrypted, FileAccess.Write);
            using var hashing = new HashingStream(output, leaveOpen: true);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = content.Read(buffer)) > 0)
            {
                // gpg's own copies may be compressed: a few KB can inflate without end, so the upload limit
                // holds for what comes out, and the free space is looked at again every 16 MiB of it.
                if (hashing.BytesPassed + read > options.Value.MaxUploadBytes)
                {
                    throw new BackupException(BackupError.TooLarge, $"The decrypted copy is larger than the {options.Value.MaxUploadBytes / (1024 * 1024)} MiB upload limit; nothing was kept.");
                }
                if ((hashing.BytesPassed + read) / (16 << 20) != hashing.BytesPassed / (16 << 20))
                {
                    FreeSpace.Ensure(paths.BackupsFolder, 16 << 20, options.Value.FreeSpaceMarginBytes, "to decrypt the copy", "Nothing was kept.");
                }
                hashing.Write(buffer, 0, read);
            }
            output.Flush(flushToDisk: true);
            return hashing.TakeHashHex();
        }
        finally
        {
            Array.Clear(secret);
        }
    }

    /// <param name="acceptNoChecksums">The owner confirmed restoring a legacy backup, which has no per-file checksums.</param>
    /// <param name="cancellationToken">Stops the restore while it unpacks, before anything live is touched; once the swap begins it runs to the end.</param>
    public RestoreResult Restore(string name, bool replaceInstallationId, BackupProgress? progress = null, bool acceptNoChecksums = false,
        CancellationToken cancellationToken = default)
    {
        using var _ = BackupLock.Acquire(paths);
        var archive = ExistingBackup(name);
        var engine = new RestoreEngine(paths, options.Value, services, logger);
        // The safety backup is compressed fast: it is a short-lived net (retention keeps a few), and
        // it runs while the archive is unpacked, so the boat is down for less time.
        // The progress is the unpacking's: the safety backup runs beside it and is mostly done first.
        return engine.Restore(archive, replaceInstallationId, acceptNoChecksums, progress, () =>
        {
            var safety = CreateLocked(BackupNames.SafetyPrefix, null, cancellationToken, CompressionLevel.Fastest);
            ApplyRetention(BackupNames.SafetyPrefix, safety.FileName);
            return safety.FileName;
        }, cancellationToken);
    }

    /// <summary>
    /// Run at every start of the API and the CLI: finishes or rolls back a restore that a crash or
    /// power cut interrupted, and removes what a killed backup or upload left (*.partial, snapshots).
    /// Skipped when another process holds the lock: that process is alive and owns those files.
    /// </summary>
    public void RecoverAfterCrash()
    {
        if (!Directory.Exists(paths.BackupsFolder))
        {
            return;
        }
        BackupLock held;
        try
        {
            held = BackupLock.Acquire(paths);
        }
        catch (BackupException ex) when (ex.Error == BackupError.Busy)
        {
            return;
        }
        using (held)
        {
            if (File.Exists(paths.JournalFile))
            {
                try
                {
                    new RestoreEngine(paths, options.Value, services, logger).Recover();
                }
                catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException)
                {
                    // The journal stays for the next start; the service still starts, so the owner can see and act.
                    Log.RecoveryFailed(logger, ex);
                }
            }
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

    private BackupResult CreateLocked(string prefix, BackupProgress? progress, CancellationToken cancellationToken, CompressionLevel level = CompressionLevel.Optimal)
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
                var leftOut = new LeftOutNotes();
                var result = ArchiveWriter.Write(paths, scan, name, created, license.Read().InstallationId, progress, totals =>
                {
                    LogLeftOut(totals.Ignored);
                    // Every byte once (images compress little) plus one database snapshot while it is copied.
                    FreeSpace.Ensure(paths.BackupsFolder, totals.SpaceNeeded, options.Value.FreeSpaceMarginBytes, "for a backup", "Nothing was written.");
                }, databaseBytes => FreeSpace.Ensure(paths.BackupsFolder, databaseBytes, options.Value.FreeSpaceMarginBytes, "for a database's snapshot", "Nothing was written."),
                    leftOut.Add, level, cancellationToken);
                LogLeftOut(leftOut);
                BackupCatalog.WriteChecksum(result.Path, result.Sha256);
                Log.Created(logger, result.FileName, result.SizeBytes, result.FileCount, result.DurationMs);
                return result;
            }
            catch (BackupException ex) when (ex.Error == BackupError.SourceChanged && attempt < CreateAttempts)
            {
                Log.SourceChangedRetry(logger, ex.Message, attempt);
            }
            catch (IOException ex) when (AtomicFile.IsDiskFull(ex))
            {
                throw new BackupException(BackupError.DiskFull, "The disk filled up while the backup was written; the partial file was removed and older backups are untouched.", ex);
            }
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
