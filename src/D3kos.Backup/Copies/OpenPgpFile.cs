using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Security;

namespace D3kos.Backup;

/// <summary>
/// Copies that leave the Pi are OpenPGP messages encrypted with a passphrase (RFC 4880: AES-256, a salted
/// and iterated SHA-256 key derivation, integrity-protected data with its modification-detection code), so
/// the owner opens one on any laptop with <c>gpg --decrypt</c>, without this software. BouncyCastle does the
/// cryptography; this class only chooses the settings and says what a failure means. Both ways are
/// streamed in 64 KiB pieces: memory stays flat for any size of backup.
/// </summary>
internal static class OpenPgpFile
{
    /// <summary>The extension of an encrypted copy: "d3kos_backup_….tar.gz.gpg", as gpg names its own.</summary>
    public const string Extension = ".gpg";

    // The S2K count byte 0xF0: the passphrase is hashed over 33,554,432 bytes for each try (about 0.2 s on a
    // laptop, under a second on a Pi), which slows guessing on a lost stick. gpg accepts any count.
    private const int KeyDerivationCount = 0xF0;

    private const int BufferSize = 1 << 16;

    /// <summary>Encrypts <paramref name="plain"/> into <paramref name="output"/>; the output is left open.</summary>
    /// <param name="fileName">The name gpg offers when it decrypts (the backup's own name).</param>
    public static async Task EncryptAsync(Stream plain, Stream output, char[] passphrase, string fileName, DateTime modifiedUtc, CancellationToken cancellationToken)
    {
        // UTF-8, as gpg turns a typed passphrase into bytes. No compression packet: the backup is gzip already.
        await OpenPgpEncryption.EncryptAsync(plain, output, passphrase, fileName, modifiedUtc, KeyDerivationCount, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the file starts like an OpenPGP message (a packet header), not like gzip.</summary>
    public static bool LooksEncrypted(string path)
    {
        Span<byte> head = stackalloc byte[1];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        // Bit 7 is set on every OpenPGP packet header; a gzip file starts with 0x1f.
        return file.Read(head) == 1 && (head[0] & 0x80) != 0;
    }

    /// <summary>
    /// Opens an encrypted copy for reading: the stream gives the backup's bytes and, at its end, checks the
    /// message's integrity code, so a copy modified anywhere fails before its last byte is accepted.
    /// gpg's own <c>gpg --symmetric</c> output (compressed or not) opens too.
    /// </summary>
    public static Stream OpenDecrypting(Stream encrypted, char[] passphrase)
    {
        Stream? platform;
        try
        {
            platform = OpenPgpDecryption.TryOpen(encrypted, passphrase);
        }
        catch (Exception ex) when (ex is PgpException or IOException and not FileNotFoundException)
        {
            throw Damaged("it is not a readable OpenPGP file", ex);
        }
        if (platform is not null)
        {
            // Read to its end when the file's bytes are: the integrity code is checked there.
            return Content(platform, () =>
            {
                platform.CopyTo(Stream.Null);
                return true;
            }, platform);
        }
        PgpPbeEncryptedData data;
        try
        {
            var factory = new PgpObjectFactory(PgpUtilities.GetDecoderStream(encrypted));
            var first = factory.NextPgpObject();
            while (first is PgpMarker)
            {
                first = factory.NextPgpObject();
            }
            if (first is not PgpEncryptedDataList list)
            {
                throw Damaged("it is not an OpenPGP encrypted file");
            }
            data = list.GetEncryptedDataObjects().OfType<PgpPbeEncryptedData>().FirstOrDefault()
                ?? throw Damaged("it is encrypted to a key, not with a passphrase");
        }
        catch (Exception ex) when (ex is PgpException or IOException and not FileNotFoundException)
        {
            throw Damaged("it is not a readable OpenPGP file", ex);
        }
        if (!data.IsIntegrityProtected())
        {
            // Without the modification-detection code a changed copy could not be told from a good one.
            throw Damaged("it has no integrity protection (an old OpenPGP format), so changes could not be detected");
        }
        Stream clear;
        try
        {
            clear = data.GetDataStreamUtf8(passphrase);
        }
        catch (Exception ex) when (ex is PgpException or IOException)
        {
            // The first block's check bytes did not match: almost always another passphrase.
            throw new BackupException(BackupError.WrongPassphrase,
                "The passphrase does not open this copy (it was encrypted with another one, or its first bytes are damaged); nothing was kept.", ex);
        }
        return Content(clear, data.Verify, null);
    }

    /// <summary>The file the decrypted message holds (gpg's own may be compressed), checked at its end by <paramref name="verify"/>.</summary>
    private static VerifyingStream Content(Stream clear, Func<bool> verify, Stream? owned)
    {
        try
        {
            var content = new PgpObjectFactory(clear).NextPgpObject();
            if (content is PgpCompressedData compressed)
            {
                content = new PgpObjectFactory(compressed.GetDataStream()).NextPgpObject();
            }
            return content is PgpLiteralData literal
                ? new VerifyingStream(verify, literal.GetInputStream(), owned)
                : throw Damaged("it holds no file");
        }
        catch (Exception ex) when (ex is PgpException or IOException)
        {
            throw Damaged("its content cannot be read", ex);
        }
    }

    private static BackupException Damaged(string why, Exception? inner = null) =>
        new(BackupError.InvalidArchive, $"The encrypted copy cannot be used: {why}. Nothing was kept.", inner);

    /// <summary>The decrypted bytes; at the end of them the integrity code is checked, and a mismatch is an error, not an end.</summary>
    private sealed class VerifyingStream(Func<bool> verify, Stream content, Stream? owned) : Stream
    {
        private bool _verified;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = content.Read(buffer);
                if (read == 0 && !_verified && buffer.Length > 0)
                {
                    _verified = verify();
                    if (!_verified)
                    {
                        throw Modified(null);
                    }
                }
            }
            catch (Exception ex) when (ex is PgpException or IOException)
            {
                throw Modified(ex);
            }
            return read;
        }

        private static BackupException Modified(Exception? inner) =>
            new(BackupError.InvalidArchive, "The encrypted copy was modified or damaged: its OpenPGP integrity check failed. Nothing was kept.", inner);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                content.Dispose();
                owned?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
