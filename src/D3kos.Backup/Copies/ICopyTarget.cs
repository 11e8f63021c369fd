namespace D3kos.Backup;

/// <summary>
/// One place copies of the backups go (a drive, a bucket), as Home Assistant's backup agents are: the
/// copier does what every kind shares (the lock, the passphrase, retention, the status) and a target does
/// only what its kind needs. Each method says its own failures as <see cref="BackupException"/> sentences
/// the owner can act on; a cancelled token is thrown as cancellation, never as a failure of the target.
/// A new kind is one new implementation and one line in <see cref="CopyTargetFactory"/>.
/// </summary>
internal interface ICopyTarget : IAsyncDisposable
{
    /// <summary>As the owner names it ("usb").</summary>
    string Name { get; }

    /// <summary>The configured kind (<see cref="CopyTargetOptions.DriveKind"/>, ...), for the status.</summary>
    string Kind { get; }

    /// <summary>Where the copies go, as the status shows it.</summary>
    string Location { get; }

    /// <summary>Writes the backup as a copy and checks it there; the copy is whole or not there.</summary>
    /// <param name="sentEarlier">
    /// The copies this device sent there before, newest first (its ledger): the only ones a target short of
    /// room may remove ahead of retention. Never what a listing shows, whose names anyone with access chose.
    /// </param>
    Task<SentCopy> UploadAsync(CopySource source, IReadOnlyList<string> sentEarlier, BackupProgress? progress, CancellationToken cancellationToken);

    /// <summary>
    /// Hands one copy's bytes to <paramref name="receive"/> and says the failures of both as this target's
    /// (the receiver writes to the card: a full card is said as part of the fetch).
    /// </summary>
    Task<T> DownloadAsync<T>(string copyName, Func<CopyDownload, CancellationToken, Task<T>> receive, BackupProgress? progress, CancellationToken cancellationToken);

    /// <summary>The copies the target holds, newest first; names that are not copies are not listed.</summary>
    Task<IReadOnlyList<TargetCopy>> ListAsync(CancellationToken cancellationToken);

    Task DeleteAsync(string copyName, CancellationToken cancellationToken);

    /// <summary>
    /// What the status shows without a copy: the copies there (null when the kind would have to go over the
    /// network for them) or why the target cannot be used now.
    /// </summary>
    Task<TargetLook> LookAsync(CancellationToken cancellationToken);
}

/// <summary>A copy as the target holds it, checked.</summary>
internal sealed record SentCopy(string Name, long SizeBytes);

/// <summary>A copy being read from a target: its bytes, their count, and the SHA-256 it was sent with when the target keeps one.</summary>
internal sealed record CopyDownload(Stream Content, long SizeBytes, string? Sha256);

/// <summary>A target as the status sees it now.</summary>
internal sealed record TargetLook(IReadOnlyList<string>? Copies, string? Unavailable);
