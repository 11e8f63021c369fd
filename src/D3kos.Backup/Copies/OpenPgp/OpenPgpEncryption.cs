using System.Security.Cryptography;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Security;

namespace D3kos.Backup;

/// <summary>
/// Writes the passphrase-encrypted OpenPGP message of <see cref="OpenPgpFile.EncryptAsync"/>: BouncyCastle
/// writes the packets (the symmetric-key session packet with its S2K, the integrity-protected packet in
/// partial lengths, the literal data packet), the platform runs the bulk AES-CFB and SHA-1 of the
/// modification-detection code. What comes out is the message BouncyCastle's own generator made; gpg opens it.
/// </summary>
internal static class OpenPgpEncryption
{
    private const int BufferSize = 1 << 16;
    private const int BlockSize = 16;

    public static async Task EncryptAsync(Stream plain, Stream output, char[] passphrase, string fileName, DateTime modifiedUtc, int s2kCount, CancellationToken cancellationToken)
    {
        var random = new SecureRandom();
        var s2k = new S2k(HashAlgorithmTag.Sha256, SecureRandom.GetNextBytes(random, 8), s2kCount);
        var key = OpenPgpKey.Derive(s2k, SymmetricKeyAlgorithmTag.Aes256, passphrase);
        var keep = new KeepOpenStream(output);
        using (var header = new BcpgOutputStream(keep))
        {
            // No session key inside: the S2K's key is the session key (RFC 4880 5.3), as BouncyCastle and gpg write it.
            header.WritePacket(SymmetricKeyEncSessionPacket.CreateV4Packet(SymmetricKeyAlgorithmTag.Aes256, s2k, null));
        }
        using (var packet = new BcpgOutputStream(keep, PacketTag.SymmetricEncryptedIntegrityProtected, new byte[BufferSize]))
        {
            packet.WriteByte(1); // version 1: CFB with a zero IV and the SHA-1 code at the end
            using var encrypting = new EncryptingStream(packet, key);
            Array.Clear(key);
            // The random prefix, its last two bytes repeated: how a reader tells a wrong passphrase at once.
            var prefix = new byte[BlockSize + 2];
            RandomNumberGenerator.Fill(prefix.AsSpan(0, BlockSize));
            prefix[BlockSize] = prefix[BlockSize - 2];
            prefix[BlockSize + 1] = prefix[BlockSize - 1];
            encrypting.Write(prefix);
            using (var literal = new Org.BouncyCastle.Bcpg.OpenPgp.PgpLiteralDataGenerator().Open(new KeepOpenStream(encrypting),
                Org.BouncyCastle.Bcpg.OpenPgp.PgpLiteralData.Binary, fileName, modifiedUtc, new byte[BufferSize]))
            {
                await plain.CopyToAsync(literal, BufferSize, cancellationToken).ConfigureAwait(false);
            }
            encrypting.Finish();
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Encrypts what is written, hashing it for the modification-detection code that <see cref="Finish"/> appends.</summary>
    private sealed class EncryptingStream(Stream packet, byte[] key) : Stream
    {
        private readonly PlatformCfb _cipher = new(key, encrypt: true);
        private readonly IncrementalHash _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        private readonly byte[] _buffer = new byte[BufferSize];
        private readonly byte[] _encrypted = new byte[BufferSize];
        private int _count;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _sha1.AppendData(buffer);
            Append(buffer);
        }

        private void Append(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                var take = Math.Min(buffer.Length, _buffer.Length - _count);
                buffer[..take].CopyTo(_buffer.AsSpan(_count));
                _count += take;
                buffer = buffer[take..];
                if (_count == _buffer.Length)
                {
                    Emit(_count);
                }
            }
        }

        /// <summary>Encrypts and sends the first <paramref name="count"/> buffered bytes (whole blocks, or the very last piece).</summary>
        private void Emit(int count)
        {
            _cipher.Transform(_buffer, 0, count, _encrypted, 0);
            packet.Write(_encrypted, 0, count);
            _buffer.AsSpan(count, _count - count).CopyTo(_buffer);
            _count -= count;
        }

        /// <summary>The modification-detection code packet (0xD3, 0x14, the SHA-1 of all before it and of those two bytes), then the last piece.</summary>
        public void Finish()
        {
            ReadOnlySpan<byte> mdcHeader = [0xD3, 0x14];
            _sha1.AppendData(mdcHeader);
            Append(mdcHeader);
            Append(_sha1.GetHashAndReset());
            Emit(_count);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _cipher.Dispose();
                _sha1.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>Passes everything to another stream and leaves it open when disposed: BouncyCastle's packet streams close what they write to.</summary>
internal sealed class KeepOpenStream(Stream inner) : Stream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
