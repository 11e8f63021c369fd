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
    TimeProvider time,
    ILogger<BackupManager> logger)
{
    private const int CreateAttempts = 3;

    public BackupPaths Paths => paths;

    public BackupResult Create(IProgress<long>? progress = null)
    {
        using var _ = BackupLock.Acquire(paths);
        var result = CreateLocked(BackupNames.RegularPrefix, progress);
        ApplyRetention(BackupNames.RegularPrefix, result.FileName);
        return result;
    }

    public IReadOnlyList<BackupInfo> List() => BackupCatalog.List(paths);

    /// <summary>True for a backup made by d3kOS v0.9.1.2 (no manifest, no per-file checksums).</summary>
    public bool IsLegacy(string name) => BackupCatalog.IsLegacy(paths, Path.GetFileName(ExistingBackup(name)));

    public VerifyReport Verify(string name) => VerifyFile(ExistingBackup(name));

    /// <summary>Verifies any archive file (the CLI may point at a USB stick).</summary>
    public VerifyReport VerifyFile(string path) => File.Exists(path)
        ? ArchiveReader.Read(path, paths.Sources, options.Value.MaxRestoreBytes)
        : throw new BackupException(BackupError.NotFound, $"No file at {path}.");

    public void Delete(string name)
    {
        using var _ = BackupLock.Acquire(paths);
        BackupCatalog.Delete(ExistingBackup(name));
        Log.Deleted(logger, name);
    }

    /// <summary>
    /// Keeps a backup made elsewhere (a new Pi after the old card died): streamed to a partial file,
    /// verified whole, then named for when it arrived, as kind "imported". Never for the date inside
    /// it: an archive from outside could claim 2999 and push the boat's own backups out of retention.
    /// </summary>
    public async Task<BackupInfo> ImportAsync(Stream body, CancellationToken cancellationToken)
    {
        paths.EnsureBackupsFolder();
        var partial = Path.Combine(paths.BackupsFolder, $".upload-{Guid.NewGuid():N}.partial");
        try
        {
            string sha256;
            await using (var file = BackupPaths.CreateArchive(partial, FileAccess.Write, useAsync: true))
            {
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
                sha256 = hashing.TakeHashHex();
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
            var report = ArchiveReader.Read(partial, paths.Sources, options.Value.MaxRestoreBytes);
            if (!report.Valid)
            {
                throw new BackupException(report.Failure, $"The uploaded file is not a usable backup: {string.Join("; ", report.Errors.Take(3))}. Nothing was kept.");
            }
            using var _ = BackupLock.Acquire(paths);
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
        }
    }

    /// <param name="acceptNoChecksums">The owner confirmed restoring a legacy backup, which has no per-file checksums.</param>
    public RestoreResult Restore(string name, bool replaceInstallationId, IProgress<long>? progress = null, bool acceptNoChecksums = false)
    {
        using var _ = BackupLock.Acquire(paths);
        var archive = ExistingBackup(name);
        var engine = new RestoreEngine(paths, options.Value, services, logger);
        // The safety backup is compressed fast: it is a short-lived net (retention keeps a few), and
        // it runs while the archive is unpacked, so the boat is down for less time.
        return engine.Restore(archive, replaceInstallationId, acceptNoChecksums, () =>
        {
            var safety = CreateLocked(BackupNames.SafetyPrefix, progress, CompressionLevel.Fastest);
            ApplyRetention(BackupNames.SafetyPrefix, safety.FileName);
            return safety.FileName;
        });
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
            foreach (var stale in Directory.EnumerateFiles(paths.BackupsFolder, "*.partial"))
            {
                AtomicFile.TryDelete(stale);
                Log.StaleRemoved(logger, stale);
            }
            foreach (var stale in Directory.EnumerateDirectories(paths.BackupsFolder, ".snapshot-*"))
            {
                Directory.Delete(stale, recursive: true);
                Log.StaleRemoved(logger, stale);
            }
            // A process killed between renaming a new backup in and applying retention left one too many.
            ApplyRetention(BackupNames.RegularPrefix, null);
            ApplyRetention(BackupNames.ImportedPrefix, null);
            ApplyRetention(BackupNames.SafetyPrefix, null);
        }
    }

    /// <summary>
    /// Keeps the newest of one kind, by that kind's own count; never the one just made. Legacy backups
    /// (d3kOS v0.9.1.2) share the regular name pattern but are their own kind: never counted or deleted.
    /// </summary>
    private void ApplyRetention(string prefix, string? justMade)
    {
        var keep = prefix switch
        {
            BackupNames.SafetyPrefix => options.Value.KeepSafety,
            BackupNames.ImportedPrefix => options.Value.KeepImported,
            _ => options.Value.Keep,
        };
        var ofKind = (string name) => BackupNames.IsBackupName(name) && name.StartsWith(prefix, StringComparison.Ordinal)
            && (prefix == BackupNames.SafetyPrefix || !BackupCatalog.IsLegacy(paths, name));
        foreach (var deleted in BackupCatalog.ApplyRetention(paths, ofKind, keep, justMade ?? ""))
        {
            Log.RetentionDeleted(logger, deleted);
        }
    }

    private BackupResult CreateLocked(string prefix, IProgress<long>? progress, CompressionLevel level = CompressionLevel.Optimal)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // The scan is inside the attempt: a source that vanishes under it starts it over too.
                var scan = SourceScanner.Scan(paths);
                foreach (var ignored in scan.Ignored)
                {
                    Log.Ignored(logger, ignored);
                }
                paths.EnsureBackupsFolder();
                // Every byte once (images compress little) plus one database snapshot while it is copied.
                FreeSpace.Ensure(paths.BackupsFolder, scan.SpaceNeeded, options.Value.FreeSpaceMarginBytes, "for a backup", "Nothing was written.");
                var created = time.GetUtcNow();
                var name = BackupNames.NewName(paths.BackupsFolder, prefix, created);
                var result = ArchiveWriter.Write(paths, scan, name, created, license.Read().InstallationId, progress, level);
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
