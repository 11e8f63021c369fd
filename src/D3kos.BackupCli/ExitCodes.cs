using D3kos.Backup;
using D3kos.Common.Hosting;

namespace D3kos.BackupCli;

/// <summary>Exit codes of d3kos-backup, for scripts (documented in the README and in --help).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Busy = 3;
    public const int InvalidArchive = 4;
    public const int DiskFull = 5;
    public const int NotFound = 6;
    public const int Configuration = 7;
    public const int PermissionDenied = 8;
    public const int Passphrase = 9;
    public const int TargetUnavailable = 10;

    public static int From(BackupError error) => error switch
    {
        BackupError.Busy => Busy,
        BackupError.InvalidArchive or BackupError.UnsafeArchive => InvalidArchive,
        BackupError.DiskFull => DiskFull,
        BackupError.NotFound => NotFound,
        BackupError.InvalidName or BackupError.TooLarge or BackupError.ConfirmationNeeded or BackupError.InvalidInput => Usage,
        BackupError.PassphraseNeeded or BackupError.WrongPassphrase => Passphrase,
        BackupError.TargetUnavailable => TargetUnavailable,
        _ => Failed,
    };

    /// <summary>The exit code and the one sentence for whatever stopped a command.</summary>
    public static (int Code, string Sentence) Describe(Exception exception)
    {
        if (exception is BackupException backup)
        {
            return (From(backup.Error), backup.Message);
        }
        var error = FatalError.Describe(exception);
        return (error.Kind switch
        {
            FatalErrorKind.Configuration => Configuration,
            FatalErrorKind.NotFound => NotFound,
            FatalErrorKind.PermissionDenied => PermissionDenied,
            FatalErrorKind.DiskFull => DiskFull,
            _ => Failed,
        }, error.Sentence);
    }
}
