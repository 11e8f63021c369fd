using System.Diagnostics;
using D3kos.Common.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>
/// Copies backups to the configured targets (after each automatic backup, or by hand), encrypted unless the
/// owner turned that off for the target, keeps each target's count of copies, and records each target's
/// last copy. What a target does and how it fails is its own (<see cref="ICopyTarget"/>); this is what
/// every kind shares. A failed copy never touches the local backup.
/// </summary>
public sealed partial class BackupCopier(
    BackupPaths paths,
    IOptions<BackupOptions> options,
    BackupPassphrase passphrase,
    CopyTargetFactory targets,
    TimeProvider time,
    ILogger<BackupCopier> logger)
{
    public IReadOnlyList<CopyTargetOptions> Targets => options.Value.Targets;

    /// <summary>
    /// Copies one backup to one target. A failure is recorded in the target's status and thrown as a
    /// <see cref="BackupException"/>; the caller reports it (the API's answer, the CLI's sentence, the
    /// automatic run's warning), so it is not logged here a second time. A cancelled copy is recorded as
    /// failed and thrown as the cancellation it is.
    /// </summary>
    public async Task<CopyResult> CopyAsync(string backupName, string targetName, BackupProgress? progress, CancellationToken cancellationToken)
    {
        var settings = Target(targetName);
        var backup = paths.BackupFile(backupName);
        if (!BackupCatalog.IsRegularFile(backup))
        {
            throw new BackupException(BackupError.NotFound, $"No backup named {backupName}.");
        }
        using var _ = BackupLock.AcquireCopy(paths);
        var started = time.GetUtcNow();
        var watch = Stopwatch.StartNew();
        await using var target = targets.Create(settings);
        var ledger = CopyLedger.Read(paths, settings.Name);
        try
        {
            using var source = CopySource.Open(backup, settings.Encrypt ? passphrase.Read : null, options.Value.FreeSpaceMarginBytes);
            if (!ledger.Ready && target is not RepositoryTarget)
            {
                // Before the upload, so a drive that must make room knows which copies it may remove.
                await TryAdoptAsync(target, ledger, settings.Name, cancellationToken).ConfigureAwait(false);
            }
            progress?.Begin(BackupProgress.Copying, source.Length);
            var sent = await target.UploadAsync(source, [.. ledger.NewestFirst.Where(name => name != source.CopyName)], progress, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> deleted;
            if (target is RepositoryTarget repository)
            {
                deleted = await ApplyRetentionAsync(repository, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                ledger.Record(new SentCopyRecord(sent.Name, sent.SizeBytes, source.Sha256, time.GetUtcNow()));
                deleted = await ApplyRetentionAsync(target, ledger, settings, sent.Name, cancellationToken).ConfigureAwait(false);
            }
            var result = new CopyResult(target.Name, source.FileName, sent.Name, sent.SizeBytes, source.Encrypted, watch.ElapsedMilliseconds, deleted, CopyFormats.Of(settings, paths));
            Record(settings, new CopyStatus(started, true, backupName, result.CopyFile, result.SizeBytes, result.Encrypted, result.DurationMs, null));
            Log.Copied(logger, backupName, target.Name, result.CopyFile, result.SizeBytes, result.DurationMs);
            return result;
        }
        catch (Exception ex) when (ex is BackupException || cancellationToken.IsCancellationRequested)
        {
            var why = ex is BackupException ? ex.Message : "The copy was cancelled before it finished. The local backup is kept.";
            Record(settings, new CopyStatus(started, false, backupName, null, 0, settings.Encrypt, watch.ElapsedMilliseconds, why));
            throw;
        }
    }

    /// <summary>
    /// Keeps the newest <see cref="CopyTargetOptions.Keep"/> copies this device sent to the target, newest by
    /// when it sent them (<see cref="CopyLedger"/>); never the one just sent, never a copy it did not send,
    /// whatever its name. The copy is there and checked: housekeeping that fails (a write-only key, an object
    /// lock, a file the drive will not give up) is a warning, not a failed copy.
    /// </summary>
    private async Task<IReadOnlyList<string>> ApplyRetentionAsync(ICopyTarget target, CopyLedger ledger, CopyTargetOptions settings, string justSent, CancellationToken cancellationToken)
    {
        var deleted = new List<string>();
        try
        {
            var listed = await target.ListAsync(cancellationToken).ConfigureAwait(false);
            if (!ledger.Ready)
            {
                ledger.Adopt(listed, OwnCopyNames(settings.Name));
            }
            foreach (var name in ledger.Beyond(listed, settings.Keep, justSent))
            {
                await target.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                ledger.Forget(name);
                deleted.Add(name);
                Log.TargetRetentionDeleted(logger, name, target.Name);
            }
        }
        catch (BackupException failure)
        {
            Log.HousekeepingFailed(logger, target.Name, failure.Message);
        }
        finally
        {
            // Not yet adopted (the target could not be listed): this copy's name is the device's own and is
            // adopted with the others once a listing works, so nothing is lost by not writing now.
            if (ledger.Ready)
            {
                ledger.Write(logger);
            }
        }
        return deleted;
    }

    /// <summary>Adopts the copies from before the ledger when the target can be listed now; otherwise retention tries again after the copy.</summary>
    private async Task TryAdoptAsync(ICopyTarget target, CopyLedger ledger, string targetName, CancellationToken cancellationToken)
    {
        try
        {
            ledger.Adopt(await target.ListAsync(cancellationToken).ConfigureAwait(false), OwnCopyNames(targetName));
        }
        catch (BackupException)
        {
            // The upload says what is wrong with the target, in its own words.
        }
    }

    /// <summary>The copy names this device made: its own backups' (plain and encrypted) and the target's last copy.</summary>
    private HashSet<string> OwnCopyNames(string targetName)
    {
        var names = Directory.Exists(paths.BackupsFolder)
            ? Directory.EnumerateFiles(paths.BackupsFolder).Select(Path.GetFileName).Where(BackupNames.IsBackupName)
                .SelectMany(name => new[] { CopyNames.For(name!, encrypted: false), CopyNames.For(name!, encrypted: true) })
                .ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
        if (LastCopy(targetName)?.CopyFile is { } last)
        {
            names.Add(last);
        }
        return names;
    }

    /// <summary>Every target with its last copy and, when it can be read now, the copies it holds.</summary>
    public async Task<IReadOnlyList<TargetStatus>> StatusAsync(CancellationToken cancellationToken)
    {
        var status = new List<TargetStatus>();
        foreach (var settings in Targets)
        {
            await using var target = targets.Create(settings);
            var look = await target.LookAsync(cancellationToken).ConfigureAwait(false);
            status.Add(new TargetStatus(settings.Name, settings.Kind, target.Location, settings.Encrypt, settings.Keep, LastCopy(settings.Name), look.Copies, look.Unavailable,
                CopyFormats.Of(settings, paths)));
        }
        return status;
    }

    /// <summary>The copies a target holds, newest first, with how to name each to import it (a bucket is listed over the network).</summary>
    /// <remarks>Each copy says whether this Pi sent it: a copy planted by someone else shows as not sent here.</remarks>
    public async Task<IReadOnlyList<TargetCopy>> ListCopiesAsync(string targetName, CancellationToken cancellationToken)
    {
        var settings = Target(targetName);
        await using var target = targets.Create(settings);
        var listed = await target.ListAsync(cancellationToken).ConfigureAwait(false);
        if (target is RepositoryTarget)
        {
            return listed; // a snapshot says which host made it; there is no ledger
        }
        var ledger = CopyLedger.Read(paths, settings.Name);
        if (!ledger.Ready)
        {
            // As the next copy will adopt them; only that copy writes the ledger, under the copy lock.
            ledger.Adopt(listed, OwnCopyNames(settings.Name));
        }
        return [.. listed.Select(copy => copy with { SentByThisPi = ledger.Holds(copy) })];
    }

    /// <summary>
    /// Brings a copy back from a bucket (s3://BUCKET/PREFIX/NAME, as <see cref="ListCopiesAsync"/> names it) as
    /// an imported backup: streamed from the bucket (a dropped line resumes from the byte it reached), its
    /// SHA-256 checked against the one it was sent with, then decrypted and verified as any import is. The
    /// bucket must be one of the configured S3 targets, with its secret key set: its credentials are there.
    /// The copy's name must agree with the time inside it: an old copy put there under a newer name is refused.
    /// </summary>
    public async Task<ImportResult> ImportFromBucketAsync(string address, BackupManager backups, CancellationToken cancellationToken, BackupProgress? progress = null,
        bool recogniseHeld = false)
    {
        if (RepositoryAddress.Looks(address))
        {
            return await ImportSnapshotAsync(address, backups, progress, cancellationToken).ConfigureAwait(false);
        }
        var (settings, copyName) = S3Address.Find(Targets, address);
        await using var target = targets.Create(settings);
        var imported = await target.DownloadAsync(copyName, async (download, token) =>
        {
            // The copy and its decrypted form sit side by side until it is checked.
            paths.EnsureBackupsFolder();
            FreeSpace.Ensure(paths.BackupsFolder, 2 * download.SizeBytes, options.Value.FreeSpaceMarginBytes, "to bring the copy back and open it", "Nothing was fetched.");
            return await backups.ImportAsync(download.Content, token, expectedSha256: download.Sha256, requireEncrypted: settings.Encrypt, copyName: copyName, recogniseHeld: recogniseHeld).ConfigureAwait(false);
        }, progress, cancellationToken).ConfigureAwait(false);
        Log.ImportedFromBucket(logger, address, imported.Backup.Filename);
        return imported;
    }

    /// <summary>Refuses an address that lies in no configured S3 target (as <see cref="BackupException"/>), before a job is started for it.</summary>
    public void CheckBucketAddress(string address)
    {
        _ = RepositoryAddress.Looks(address) ? RepositoryAddress.Find(Targets, paths, address) : S3Address.Find(Targets, address);
    }

    public CopyStatus? LastCopy(string targetName) =>
        StatusFile.Read(paths.CopyStatusFile(targetName), BackupJsonContext.Default.CopyStatus);

    /// <summary>When a copy last reached the target whole: its last copy when that succeeded, else the newest in its ledger.</summary>
    public DateTimeOffset? LastCopied(string targetName)
    {
        var sent = CopyLedger.Read(paths, targetName).NewestSentAt;
        var last = LastCopy(targetName) is { Succeeded: true } copy ? copy.Time : (DateTimeOffset?)null;
        return last > sent || sent is null ? last : sent;
    }

    private CopyTargetOptions Target(string name) =>
        Targets.FirstOrDefault(t => t.Name == name)
        ?? throw new BackupException(BackupError.InvalidInput, Targets.Count == 0
            ? "No copy targets are configured (Backup:Targets)."
            : $"No copy target named '{BackupPaths.Printable(name)}'; configured: {string.Join(", ", Targets.Select(t => t.Name))}.");

    private void Record(CopyTargetOptions target, CopyStatus status) =>
        StatusFile.Write(paths.CopyStatusFile(target.Name), status, BackupJsonContext.Default.CopyStatus, logger);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Copied {Backup} to {Target} as {Copy} ({Size} bytes, {DurationMs} ms)")]
        public static partial void Copied(ILogger logger, string backup, string target, string copy, long size, long durationMs);

        [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed the copy {Copy} from {Target}")]
        public static partial void TargetRetentionDeleted(ILogger logger, string copy, string target);

        [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Address} as {Backup}")]
        public static partial void ImportedFromBucket(ILogger logger, string address, string backup);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The copy to {Target} arrived, but its retention failed: {Error}")]
        public static partial void HousekeepingFailed(ILogger logger, string target, string error);
    }
}
