using D3kos.Backup;
using D3kos.Common.Hosting;

namespace D3kos.BackupCli;

/// <summary>Exit codes of d3kos-backup, for scripts; <see cref="Meanings"/> is what --help and docs/cli.md show.</summary>
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
    public const int MailRefused = 11;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, as a shell reports it), after removing what it had begun.</summary>
    public const int Interrupted = 130;

    public static readonly IReadOnlyList<(int Code, string Meaning)> Meanings =
    [
        (Ok, "done"),
        (Failed, "failed"),
        (Usage, "usage, refused or cancelled at the prompt"),
        (Busy, "another backup or restore is running"),
        (InvalidArchive, "the archive is invalid or unsafe"),
        (DiskFull, "not enough disk space"),
        (NotFound, "no such backup or file"),
        (Configuration, "a setting (Backup__*, D3KOS_FS_ROOT) is invalid, or no access token is configured (pair)"),
        (PermissionDenied, "permission denied"),
        (Passphrase, "no passphrase is set or it does not open the copy"),
        (TargetUnavailable, "the target is not mounted, not writable or not reachable"),
        (MailRefused, "the test email was not sent (the sentence says why)"),
        (Interrupted, "stopped by Ctrl+C; what it had begun was removed"),
    ];

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
        if (exception is UsageException usage)
        {
            return (Usage, usage.Message);
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

/// <summary>A command line the CLI refuses (exit 2), with the sentence that says why.</summary>
internal sealed class UsageException(string message) : Exception(message);
