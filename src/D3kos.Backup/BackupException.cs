namespace D3kos.Backup;

public enum BackupError
{
    /// <summary>Another backup or restore holds the lock.</summary>
    Busy,

    /// <summary>Not enough free space; nothing was written.</summary>
    DiskFull,

    NotFound,

    /// <summary>A file name that is not a backup name.</summary>
    InvalidName,

    /// <summary>The archive is corrupt, truncated or does not match its manifest.</summary>
    InvalidArchive,

    /// <summary>The archive holds an entry a restore must never write (traversal, device, outside link...).</summary>
    UnsafeArchive,

    /// <summary>A source kept changing while it was read.</summary>
    SourceChanged,

    /// <summary>The restore failed and was rolled back.</summary>
    RestoreFailed,

    /// <summary>An upload larger than the configured limit.</summary>
    TooLarge,

    /// <summary>A legacy backup (no per-file checksums) needs the owner's explicit confirmation to be restored.</summary>
    ConfirmationNeeded,

    /// <summary>A value from the owner that cannot be used (a passphrase too short, a target that is not configured).</summary>
    InvalidInput,

    /// <summary>A copy target that cannot be written now: not mounted, read-only, or failing.</summary>
    TargetUnavailable,

    /// <summary>Encryption needs a passphrase and none is set on this device.</summary>
    PassphraseNeeded,

    /// <summary>The passphrase does not open an encrypted copy.</summary>
    WrongPassphrase,
}

/// <summary>A failure the caller can explain to a person; the message says what happened and what was kept.</summary>
public sealed class BackupException(BackupError error, string message, Exception? inner = null) : Exception(message, inner)
{
    public BackupError Error { get; } = error;
}
