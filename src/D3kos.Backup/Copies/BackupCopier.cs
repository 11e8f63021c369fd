using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using D3kos.Common.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>
/// Copies backups to the configured targets (after each automatic backup, or by hand), encrypted unless the
/// owner turned that off for the target, and records each target's last copy. A failed copy never touches
/// the local backup.
/// </summary>
public sealed partial class BackupCopier(
    BackupPaths paths,
    IOptions<BackupOptions> options,
    BackupPassphrase passphrase,
    CopySecrets secrets,
    TimeProvider time,
    ILogger<BackupCopier> logger)
{
    public IReadOnlyList<CopyTargetOptions> Targets => options.Value.Targets;

    /// <summary>
    /// Copies one backup to one target. A failure is recorded in the target's status and thrown as a
    /// <see cref="BackupException"/>; the caller reports it (the API's answer, the CLI's sentence, the
    /// automatic run's warning), so it is not logged here a second time.
    /// </summary>
    public CopyResult Copy(string backupName, string targetName, BackupProgress? progress = null)
    {
        var target = Target(targetName);
        var backup = paths.BackupFile(backupName);
        if (!BackupCatalog.IsRegularFile(backup))
        {
            throw new BackupException(BackupError.NotFound, $"No backup named {backupName}.");
        }
        using var _ = BackupLock.AcquireCopy(paths);
        var started = time.GetUtcNow();
        var watch = Stopwatch.StartNew();
        try
        {
            progress?.Begin(BackupProgress.Copying, new FileInfo(backup).Length);
            var result = CopyLocked(target, backup, watch, progress);
            Record(target, new CopyStatus(started, true, backupName, result.CopyFile, result.SizeBytes, result.Encrypted, result.DurationMs, null));
            Log.Copied(logger, backupName, target.Name, result.CopyFile, result.SizeBytes, result.DurationMs);
            return result;
        }
        catch (Exception ex) when (Explain(ex, target, Consequence.Copy) is { } failure)
        {
            Record(target, new CopyStatus(started, false, backupName, null, 0, target.Encrypt, watch.ElapsedMilliseconds, failure.Message));
            if (ReferenceEquals(failure, ex))
            {
                throw;
            }
            throw failure;
        }
    }

    /// <summary>Every target with its last copy and, when it can be read now, the copies it holds.</summary>
    public IReadOnlyList<TargetStatus> Status() => [.. Targets.Select(target =>
    {
        string? unavailable = null;
        IReadOnlyList<string>? copies = null;
        if (target.Kind == CopyTargetOptions.S3Kind)
        {
            // The status never waits on the network: a bucket's copies are listed by a copy, not by a look.
            unavailable = secrets.IsSet(target.Name) ? null : $"No secret key is set for '{target.Name}' (sudo d3kos-backup secret set {target.Name}).";
            return new TargetStatus(target.Name, target.Kind, target.Endpoint + "/" + target.Bucket + "/" + target.Prefix, target.Encrypt, target.Keep, LastCopy(target.Name), null, unavailable);
        }
        try
        {
            using var folder = Drive(target).Open(paths.BackupsFolder, create: false);
            copies = folder is null ? [] : DriveTarget.Copies(folder.ProcPath);
        }
        catch (Exception ex) when (Explain(ex, target, Consequence.Look) is { } failure)
        {
            unavailable = failure.Message;
        }
        return new TargetStatus(target.Name, target.Kind, target.Path, target.Encrypt, target.Keep, LastCopy(target.Name), copies, unavailable);
    })];

    /// <summary>The copies a target holds, newest first, with how to name each to import it (a bucket is listed over the network).</summary>
    public IReadOnlyList<TargetCopy> ListCopies(string targetName)
    {
        var target = Target(targetName);
        try
        {
            if (target.Kind == CopyTargetOptions.S3Kind)
            {
                using var bucket = Bucket(target);
                return bucket.CopiesWithSizes();
            }
            using var folder = Drive(target).Open(paths.BackupsFolder, create: false);
            // Only plain files: a symlink on the stick (dangling or not) is not a copy and does not break the list.
            return folder is null ? [] : [.. DriveTarget.Copies(folder.ProcPath)
                .Select(name => (Name: name, Stat: FileStat.TryLstat(Path.Combine(folder.ProcPath, name), out var stat) ? stat : (FileStat?)null))
                .Where(entry => entry.Stat is { IsRegularFile: true })
                .Select(entry => new TargetCopy(entry.Name, entry.Stat!.Value.Size, entry.Stat.Value.ModifiedAt,
                    Path.Combine(paths.Root.Resolve(target.Path), DriveTarget.FolderName, entry.Name)))];
        }
        catch (Exception ex) when (Explain(ex, target, Consequence.Look) is { } failure)
        {
            throw ReferenceEquals(failure, ex) ? ex : failure;
        }
    }

    /// <summary>
    /// Brings a copy back from a bucket (s3://BUCKET/PREFIX/NAME, as <see cref="ListCopies"/> names it) as an
    /// imported backup: streamed from the bucket (a dropped line resumes from the byte it reached), its
    /// SHA-256 checked against the one it was sent with, then decrypted and verified as any import is. The
    /// bucket must be one of the configured S3 targets, with its secret key set: its credentials are there.
    /// </summary>
    public async Task<BackupInfo> ImportFromBucketAsync(string address, BackupManager backups, CancellationToken cancellationToken, BackupProgress? progress = null)
    {
        var (target, copyName) = FindInBucket(address);
        try
        {
            using var bucket = Bucket(target, (failure, wait) => Log.ResumingDownload(logger, target.Name, (int)wait.TotalSeconds, failure.Message));
            var (content, size, sha256) = bucket.Open(copyName, progress);
            await using (content)
            {
                // The copy and its decrypted form sit side by side until it is checked.
                paths.EnsureBackupsFolder();
                FreeSpace.Ensure(paths.BackupsFolder, 2 * size, options.Value.FreeSpaceMarginBytes, "to bring the copy back and open it", "Nothing was fetched.");
                var imported = await backups.ImportAsync(content, cancellationToken, expectedSha256: sha256, requireEncrypted: target.Encrypt);
                Log.ImportedFromBucket(logger, address, imported.Filename);
                return imported;
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Explain(ex, target, Consequence.Import) is { } failure)
        {
            throw ReferenceEquals(failure, ex) ? ex : failure;
        }
    }

    /// <summary>Refuses an address that lies in no configured S3 target (as <see cref="BackupException"/>), before a job is started for it.</summary>
    public void CheckBucketAddress(string address) => FindInBucket(address);

    /// <summary>The configured S3 target an address lies in, and the copy's name under its prefix.</summary>
    private (CopyTargetOptions Target, string CopyName) FindInBucket(string address)
    {
        const string Scheme = "s3://";
        var slash = address.StartsWith(Scheme, StringComparison.Ordinal) ? address.IndexOf('/', Scheme.Length) : -1;
        if (slash < 0)
        {
            throw new BackupException(BackupError.InvalidInput, $"'{BackupPaths.Printable(address)}' is not an address in a bucket (s3://BUCKET/PREFIX/NAME; 'd3kos-backup copies TARGET' lists them).");
        }
        var (bucketName, key) = (address[Scheme.Length..slash], address[(slash + 1)..]);
        var target = Targets.FirstOrDefault(t => t.Kind == CopyTargetOptions.S3Kind && t.Bucket == bucketName && key.StartsWith(t.Prefix, StringComparison.Ordinal)
            && !key[t.Prefix.Length..].Contains('/', StringComparison.Ordinal))
            ?? throw new BackupException(BackupError.InvalidInput,
                $"No S3 target is configured for s3://{BackupPaths.Printable(bucketName)}/{BackupPaths.Printable(key[..(key.LastIndexOf('/') + 1)])}: add it to Backup:Targets (Kind s3, with its Endpoint, Bucket, Prefix and AccessKey) and set its secret key, as on the boat that made the copy.");
        var copyName = key[target.Prefix.Length..];
        return BackupNames.IsBackupName(CopyNames.BackupName(copyName))
            ? (target, copyName)
            : throw new BackupException(BackupError.InvalidInput, $"'{BackupPaths.Printable(copyName)}' is not the name of a copy of a backup.");
    }

    private S3Target Bucket(CopyTargetOptions target, Action<Exception, TimeSpan>? resuming = null) =>
        new(target, secrets.Read(target.Name), paths.OutgoingFolder(target.Name), time) { Resuming = resuming };

    public CopyStatus? LastCopy(string targetName) =>
        StatusFile.Read(paths.CopyStatusFile(targetName), BackupJsonContext.Default.CopyStatus);

    private CopyResult CopyLocked(CopyTargetOptions target, string backup, Stopwatch watch, BackupProgress? progress) =>
        target.Kind == CopyTargetOptions.S3Kind ? CopyToBucket(target, backup, watch, progress) : CopyToDrive(target, backup, watch);

    private CopyResult CopyToBucket(CopyTargetOptions target, string backup, Stopwatch watch, BackupProgress? progress)
    {
        using var bucket = Bucket(target); // the secret key first: without it nothing is staged
        var secret = target.Encrypt ? passphrase.Read() : null;
        try
        {
            var copyName = CopyNames.For(Path.GetFileName(backup), secret is not null);
            var file = bucket.Prepare(backup, BackupCatalog.Checksum(backup), secret, options.Value.FreeSpaceMarginBytes);
            progress?.Begin(BackupProgress.Copying, new FileInfo(file).Length);
            var size = bucket.Upload(file, copyName, (failure, wait) => Log.Resuming(logger, target.Name, (int)wait.TotalSeconds, failure.Message), progress);
            // Sent and checked: nothing staged for this target is needed any more.
            bucket.RemoveOutgoing(keep: null);
            // The copy is there and checked: housekeeping that fails (a write-only key, an object lock) is a warning, not a failed copy.
            IReadOnlyList<string> deleted = [];
            try
            {
                deleted = bucket.ApplyRetention(copyName);
                foreach (var name in deleted)
                {
                    Log.TargetRetentionDeleted(logger, name, target.Name);
                }
                foreach (var name in bucket.AbortStaleUploads(current: null))
                {
                    Log.StaleUploadAborted(logger, name, target.Name);
                }
            }
            catch (Exception ex) when (ex is AmazonServiceException || S3Connection.IsTransient(ex))
            {
                Log.HousekeepingFailed(logger, target.Name, ex.Message);
            }
            return new CopyResult(target.Name, Path.GetFileName(backup), copyName, size, secret is not null, watch.ElapsedMilliseconds, deleted);
        }
        finally
        {
            if (secret is not null)
            {
                Array.Clear(secret);
            }
        }
    }

    private CopyResult CopyToDrive(CopyTargetOptions target, string backup, Stopwatch watch)
    {
        var drive = Drive(target);
        // The passphrase first: without it nothing is made on the drive, not even the copies folder.
        var secret = target.Encrypt ? passphrase.Read() : null;
        try
        {
            using var folder = drive.Open(paths.BackupsFolder)!;
            var (copyName, size) = drive.Write(folder, backup, BackupCatalog.Checksum(backup), secret, options.Value.FreeSpaceMarginBytes);
            var deleted = drive.ApplyRetention(folder, copyName);
            foreach (var name in deleted)
            {
                Log.TargetRetentionDeleted(logger, name, target.Name);
            }
            return new CopyResult(target.Name, Path.GetFileName(backup), copyName, size, secret is not null, watch.ElapsedMilliseconds, deleted);
        }
        finally
        {
            if (secret is not null)
            {
                Array.Clear(secret);
            }
        }
    }

    private CopyTargetOptions Target(string name) =>
        Targets.FirstOrDefault(t => t.Name == name)
        ?? throw new BackupException(BackupError.InvalidInput, Targets.Count == 0
            ? "No copy targets are configured (Backup:Targets)."
            : $"No copy target named '{BackupPaths.Printable(name)}'; configured: {string.Join(", ", Targets.Select(t => t.Name))}.");

    private DriveTarget Drive(CopyTargetOptions target) => new(target, paths.Root.Resolve(target.Path));

    private void Record(CopyTargetOptions target, CopyStatus status) =>
        StatusFile.Write(paths.CopyStatusFile(target.Name), status, BackupJsonContext.Default.CopyStatus, logger);

    /// <summary>What a failure leaves behind, said at the end of its sentence.</summary>
    private enum Consequence
    {
        Copy,
        Import,
        Look,
    }

    private static string Kept(Consequence consequence) => consequence switch
    {
        Consequence.Copy => " The local backup is kept.",
        Consequence.Import => " Nothing was imported.",
        _ => "",
    };

    /// <summary>
    /// What a failed copy, import or look tells the owner: the library's own failures as they are, a full
    /// drive as "full", a read-only or failing one as unavailable. Anything else is a bug and is not caught.
    /// </summary>
    private static BackupException? Explain(Exception exception, CopyTargetOptions target, Consequence consequence) => exception switch
    {
        BackupException backup => backup,
        _ when target.Kind == CopyTargetOptions.S3Kind => ExplainBucket(exception, target, consequence),
        FileNotFoundException missing when missing.FileName is { } file && !file.Contains("/proc/self/fd/", StringComparison.Ordinal) =>
            new BackupException(BackupError.NotFound, $"The backup {Path.GetFileName(file)} was removed (by retention or by hand) before it was copied; nothing was copied.", missing),
        IOException io when AtomicFile.IsDiskFull(io) => new BackupException(BackupError.DiskFull,
            $"The drive '{target.Name}' is full; the partial copy was removed and the local backup is kept.", io),
        IOException or UnauthorizedAccessException => new BackupException(BackupError.TargetUnavailable,
            $"The drive '{target.Name}' cannot take a copy: {(IsReadOnly(exception) ? "it is read-only (a write-protect switch, or the kernel remounted it after errors)" : exception.Message.TrimEnd('.'))}.{Kept(consequence)}", exception),
        _ => null,
    };

    /// <summary>
    /// An S3 target's failures: refused credentials and a missing bucket say so; a network that drops or a
    /// server that fails keeps what was sent, and the next copy resumes from there.
    /// </summary>
    private static BackupException? ExplainBucket(Exception exception, CopyTargetOptions target, Consequence consequence) => exception switch
    {
        IOException io when AtomicFile.IsDiskFull(io) => new BackupException(BackupError.DiskFull, consequence == Consequence.Import
            ? "The card is full: the copy from the bucket could not be kept; nothing was imported."
            : $"The card is full: the copy for '{target.Name}' could not be encrypted; nothing was sent and the local backup is kept.", io),
        AmazonS3Exception s3 when s3.ErrorCode == "RequestTimeTooSkewed" => new BackupException(BackupError.TargetUnavailable,
            $"The S3 target '{target.Name}' refused the request because this Pi's clock is off (a Pi has no clock of its own: is it synchronised?).{Kept(consequence)}", s3),
        AmazonS3Exception s3 when S3Connection.IsRefusedCredentials(s3) =>
            new BackupException(BackupError.TargetUnavailable,
                $"The S3 target '{target.Name}' refused the credentials ({s3.ErrorCode}): check its AccessKey and secret key (sudo d3kos-backup secret set {target.Name}).{Kept(consequence)}", s3),
        AmazonS3Exception s3 when s3.ErrorCode == "NoSuchBucket" => new BackupException(BackupError.TargetUnavailable,
            $"The S3 target '{target.Name}' has no bucket '{target.Bucket}' at {target.Endpoint}.{Kept(consequence)}", s3),
        AmazonS3Exception s3 when consequence == Consequence.Import && (s3.StatusCode == System.Net.HttpStatusCode.NotFound || s3.ErrorCode == "PreconditionFailed") =>
            new BackupException(BackupError.NotFound,
                $"The bucket of '{target.Name}' has no such copy (any more: retention may have removed it, or it was replaced while it was read); 'd3kos-backup copies {target.Name}' lists them. Nothing was imported.", s3),
        _ when S3Connection.IsTransient(exception) => new BackupException(BackupError.TargetUnavailable, consequence == Consequence.Copy
            ? $"The S3 target '{target.Name}' could not be reached or broke off ({exception.Message.TrimEnd('.')}); the parts sent are kept, and copying this backup again resumes from there. The local backup is kept."
            : $"The S3 target '{target.Name}' could not be reached or broke off ({exception.Message.TrimEnd('.')}).{Kept(consequence)}", exception),
        AmazonServiceException service => new BackupException(BackupError.TargetUnavailable,
            $"The S3 target '{target.Name}' refused the request ({service.ErrorCode}: {service.Message.TrimEnd('.')}); a full bucket or a quota says so here.{Kept(consequence)}", service),
        _ => null,
    };

    private static bool IsReadOnly(Exception exception) =>
        IoErrors.IsReadOnlyFileSystem(exception) || exception.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Copied {Backup} to {Target} as {Copy} ({Size} bytes, {DurationMs} ms)")]
        public static partial void Copied(ILogger logger, string backup, string target, string copy, long size, long durationMs);

        [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed the copy {Copy} from {Target}")]
        public static partial void TargetRetentionDeleted(ILogger logger, string copy, string target);

        [LoggerMessage(Level = LogLevel.Information, Message = "Aborted the unfinished upload of {Copy} to {Target}, begun over a day ago")]
        public static partial void StaleUploadAborted(ILogger logger, string copy, string target);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The copy to {Target} broke off; resuming in {Seconds} s: {Error}")]
        public static partial void Resuming(ILogger logger, string target, int seconds, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Reading a copy from {Target} broke off; resuming in {Seconds} s: {Error}")]
        public static partial void ResumingDownload(ILogger logger, string target, int seconds, string error);

        [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Address} as {Backup}")]
        public static partial void ImportedFromBucket(ILogger logger, string address, string backup);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The copy to {Target} arrived, but its retention or clean-up in the bucket failed: {Error}")]
        public static partial void HousekeepingFailed(ILogger logger, string target, string error);
    }
}
