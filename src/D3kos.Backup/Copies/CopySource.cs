using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// The backup a copy is made of, with what every kind of target needs: its checksum, the copy's name, and
/// the passphrase when the target's copies are encrypted. A copy's bytes come from <see cref="WriteAsync"/>
/// alone, so encryption and the check of the backup as it is read are the same for every target.
/// </summary>
internal sealed class CopySource : IDisposable
{
    private const int BufferSize = 1 << 16;

    private readonly Func<char[]>? _readPassphrase;
    private char[]? _passphrase;

    private CopySource(string path, string sha256, long length, Func<char[]>? readPassphrase, long freeSpaceMargin)
    {
        (Path, Sha256, Length, _readPassphrase, FreeSpaceMargin) = (path, sha256, length, readPassphrase, freeSpaceMargin);
    }

    /// <param name="readPassphrase">How to read the passphrase; null when the target's copies are not encrypted.</param>
    public static CopySource Open(string path, Func<char[]>? readPassphrase, long freeSpaceMargin)
    {
        try
        {
            return new(path, BackupCatalog.Checksum(path), new FileInfo(path).Length, readPassphrase, freeSpaceMargin);
        }
        catch (FileNotFoundException missing)
        {
            throw Removed(missing);
        }
    }

    public string Path { get; }

    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>The backup's checksum: the bytes read for the copy, and any check a target makes, must match it.</summary>
    public string Sha256 { get; }

    public long Length { get; }

    /// <summary><c>Backup:FreeSpaceMarginBytes</c>, for a target that writes on a file system.</summary>
    public long FreeSpaceMargin { get; }

    public bool Encrypted => _readPassphrase is not null;

    /// <summary>The copy's name on every target: the backup's, with ".gpg" when encrypted.</summary>
    public string CopyName => CopyNames.For(FileName, Encrypted);

    /// <summary>
    /// Read when a target first needs it, not before: a drive asks before it makes anything on the drive, a
    /// bucket after its own secret key, so the owner is told first about what that target needs first.
    /// </summary>
    public char[]? Passphrase => _readPassphrase is null ? null : _passphrase ??= _readPassphrase();

    /// <summary>
    /// Writes the copy's bytes (the backup, OpenPGP-encrypted when <see cref="Encrypted"/>) into
    /// <paramref name="output"/>, refusing a backup that no longer matches its checksum as it is read.
    /// </summary>
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        var passphrase = Passphrase;
        FileStream input;
        try
        {
            input = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        }
        catch (FileNotFoundException missing)
        {
            throw Removed(missing);
        }
        await using var hashing = new HashingStream(input);
        if (passphrase is null)
        {
            await hashing.CopyToAsync(output, BufferSize, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await OpenPgpFile.EncryptAsync(hashing, output, passphrase, FileName, File.GetLastWriteTimeUtc(input.SafeFileHandle), cancellationToken).ConfigureAwait(false);
        }
        if (hashing.TakeHashHex() != Sha256)
        {
            throw Mismatch(null);
        }
    }

    /// <summary>The backup read for a copy is not the one whose checksum was recorded.</summary>
    internal BackupException Mismatch(Exception? inner) => new(BackupError.InvalidArchive,
        $"The local backup {FileName} no longer matches its checksum (the card may be failing), so it was not copied; run verify on it.", inner);

    internal static BackupException Removed(FileNotFoundException missing) => new(BackupError.NotFound,
        $"The backup {System.IO.Path.GetFileName(missing.FileName)} was removed (by retention or by hand) before it was copied; nothing was copied.", missing);

    public void Dispose()
    {
        if (_passphrase is not null)
        {
            Array.Clear(_passphrase);
        }
    }
}
