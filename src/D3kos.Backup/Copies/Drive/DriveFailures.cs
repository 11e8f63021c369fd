using D3kos.Common.Files;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// What a drive's failure tells the owner: the library's own failures as they are, a full drive as "full",
/// a read-only or failing one as unavailable. Anything else is a bug and is not explained.
/// </summary>
internal static class DriveFailures
{
    public static BackupException? Explain(Exception exception, CopyTargetOptions target, CopyConsequence consequence) => exception switch
    {
        BackupException backup => backup,
        IOException io when AtomicFile.IsDiskFull(io) => new BackupException(BackupError.DiskFull,
            $"The drive '{target.Name}' is full; the partial copy was removed and the local backup is kept.", io),
        IOException or UnauthorizedAccessException => new BackupException(BackupError.TargetUnavailable,
            $"The drive '{target.Name}' cannot take a copy: {(IsReadOnly(exception) ? "it is read-only (a write-protect switch, or the kernel remounted it after errors)" : exception.Message.TrimEnd('.'))}.{consequence.Kept()}", exception),
        _ => null,
    };

    private static bool IsReadOnly(Exception exception) =>
        IoErrors.IsReadOnlyFileSystem(exception) || exception.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase);
}
