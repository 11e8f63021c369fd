using System.Diagnostics;
using D3kos.Common.Files;
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
    TimeProvider time,
    ILogger<BackupCopier> logger)
{
    public IReadOnlyList<CopyTargetOptions> Targets => options.Value.Targets;

    /// <summary>
    /// Copies one backup to one target. A failure is recorded in the target's status and thrown as a
    /// <see cref="BackupException"/>; the caller reports it (the API's answer, the CLI's sentence, the
    /// automatic run's warning), so it is not logged here a second time.
    /// </summary>
    public CopyResult Copy(string backupName, string targetName)
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
            var result = CopyLocked(target, backup, watch);
            Record(target, new CopyStatus(started, true, backupName, result.CopyFile, result.SizeBytes, result.Encrypted, result.DurationMs, null));
            Log.Copied(logger, backupName, target.Name, result.CopyFile, result.SizeBytes, result.DurationMs);
            return result;
        }
        catch (Exception ex) when (Explain(ex, target) is { } failure)
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
        try
        {
            using var folder = Drive(target).Open(paths.BackupsFolder, create: false);
            copies = folder is null ? [] : DriveTarget.Copies(folder.ProcPath);
        }
        catch (Exception ex) when (Explain(ex, target) is { } failure)
        {
            unavailable = failure.Message;
        }
        return new TargetStatus(target.Name, target.Kind, target.Path, target.Encrypt, target.Keep, LastCopy(target.Name), copies, unavailable);
    })];

    public CopyStatus? LastCopy(string targetName) =>
        StatusFile.Read(paths.CopyStatusFile(targetName), BackupJsonContext.Default.CopyStatus);

    private CopyResult CopyLocked(CopyTargetOptions target, string backup, Stopwatch watch)
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

    /// <summary>
    /// What a failed copy tells the owner: the library's own failures as they are, a full drive as
    /// "full", a read-only or failing one as unavailable. Anything else is a bug and is not caught.
    /// </summary>
    private static BackupException? Explain(Exception exception, CopyTargetOptions target) => exception switch
    {
        BackupException backup => backup,
        FileNotFoundException missing when missing.FileName is { } file && !file.Contains("/proc/self/fd/", StringComparison.Ordinal) =>
            new BackupException(BackupError.NotFound, $"The backup {Path.GetFileName(file)} was removed (by retention or by hand) before it was copied; nothing was copied.", missing),
        IOException io when AtomicFile.IsDiskFull(io) => new BackupException(BackupError.DiskFull,
            $"The drive '{target.Name}' is full; the partial copy was removed and the local backup is kept.", io),
        IOException or UnauthorizedAccessException => new BackupException(BackupError.TargetUnavailable,
            $"The drive '{target.Name}' cannot take a copy: {(IsReadOnly(exception) ? "it is read-only (a write-protect switch, or the kernel remounted it after errors)" : exception.Message.TrimEnd('.'))}. The local backup is kept.", exception),
        _ => null,
    };

    private static bool IsReadOnly(Exception exception) =>
        (exception.HResult & 0xFFFF) == 30 || exception.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Copied {Backup} to {Target} as {Copy} ({Size} bytes, {DurationMs} ms)")]
        public static partial void Copied(ILogger logger, string backup, string target, string copy, long size, long durationMs);

        [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed the copy {Copy} from {Target}")]
        public static partial void TargetRetentionDeleted(ILogger logger, string copy, string target);
    }
}
