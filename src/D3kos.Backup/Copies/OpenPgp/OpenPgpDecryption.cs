using System.Security.Cryptography;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace D3kos.Backup;

/// <summary>
/// Opens a passphrase-encrypted OpenPGP message as <see cref="OpenPgpFile.OpenDecrypting"/> does, with the
/// bulk AES-CFB and SHA-1 on the platform: BouncyCastle reads the packets, this class the integrity-
/// protected data. Only the usual form is taken this way (one symmetric-key packet of version 4 without a
/// session key inside, an AES key, integrity protection): anything else is left to BouncyCastle's own path,
/// whose failures say what is wrong with it.
/// </summary>
internal static class OpenPgpDecryption
{
    private const int BlockSize = 16;

    /// <summary>The decrypted content, or null when the message is of a form left to BouncyCastle (the stream is then where it was).</summary>
    public static Stream? TryOpen(Stream encrypted, char[] passphrase)
    {
        if (!encrypted.CanSeek)
        {
            return null;
        }
        var start = encrypted.Position;
        var packets = new BcpgInputStream(PgpUtilities.GetDecoderStream(encrypted));
        var first = NextPacket(packets);
        var second = first is SymmetricKeyEncSessionPacket ? NextPacket(packets) : null;
        if (first is not SymmetricKeyEncSessionPacket { Version: 4 } session || session.GetSecKeyData() is { Length: > 0 }
            || !PlatformCfb.Runs(session.EncAlgorithm) || second is not SymmetricEncIntegrityPacket integrity)
        {
            encrypted.Position = start;
            return null;
        }
        var key = OpenPgpKey.Derive(session.S2k, session.EncAlgorithm, passphrase);
        var decrypting = new DecryptingStream(integrity.GetInputStream(), key);
        Array.Clear(key);
        Span<byte> prefix = stackalloc byte[BlockSize + 2];
        if (decrypting.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false) != prefix.Length
            || prefix[BlockSize - 2] != prefix[BlockSize] || prefix[BlockSize - 1] != prefix[BlockSize + 1])
        {
            decrypting.Dispose();
            throw new BackupException(BackupError.WrongPassphrase,
                "The passphrase does not open this copy (it was encrypted with another one, or its first bytes are damaged); nothing was kept.");
        }
        return decrypting;
    }

    private static Packet? NextPacket(BcpgInputStream packets)
    {
        var packet = packets.ReadPacket();
        while (packet is MarkerPacket)
        {
            packet = packets.ReadPacket();
        }
        return packet;
    }

    /// <summary>
    /// The decrypted bytes, but the last 22: those are the modification-detection code packet, checked at the
    /// end against the SHA-1 of everything before it. A message that ends early or was changed fails there.
    /// </summary>
    private sealed class DecryptingStream(Stream ciphertext, byte[] key) : Stream
    {
        private const int CodeLength = 22;
        private readonly PlatformCfb _cipher = new(key, encrypt: false);
        private readonly IncrementalHash _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        private readonly byte[] _in = new byte[1 << 16];
        private byte[] _plain = new byte[(1 << 16) + CodeLength + BlockSize];
        private int _inCount;
        private int _start;
        private int _end;
        private bool _ended;
        private bool _verified;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_end - _start <= CodeLength && !_ended)
            {
                Fill();
            }
            var available = _end - _start - CodeLength;
            if (available <= 0)
            {
                if (!_verified)
                {
                    Verify();
                    _verified = true;
                }
                return 0;
            }
            var take = Math.Min(available, buffer.Length);
            var chunk = _plain.AsSpan(_start, take);
            chunk.CopyTo(buffer);
            _sha1.AppendData(chunk);
            _start += take;
            return take;
        }

        /// <summary>Decrypts the next piece (whole blocks; a partial one only at the very end), and checks the code at the end.</summary>
        private void Fill()
        {
            if (_start > 0)
            {
                _plain.AsSpan(_start, _end - _start).CopyTo(_plain);
                (_end, _start) = (_end - _start, 0);
            }
            var read = ciphertext.Read(_in, _inCount, _in.Length - _inCount);
            _inCount += read;
            var ready = read == 0 ? _inCount : _inCount - _inCount % BlockSize;
            if (_plain.Length < _end + ready)
            {
                Array.Resize(ref _plain, _end + ready);
            }
            _cipher.Transform(_in, 0, ready, _plain, _end);
            _end += ready;
            _in.AsSpan(ready, _inCount - ready).CopyTo(_in);
            _inCount -= ready;
            _ended = read == 0;
        }

        /// <summary>At the end, everything but the code delivered (and hashed): the code is its header and the SHA-1 of all before and of that header.</summary>
        private void Verify()
        {
            var code = _plain.AsSpan(_start, _end - _start);
            if (code.Length != CodeLength || code[0] != 0xD3 || code[1] != 0x14)
            {
                throw Modified();
            }
            _sha1.AppendData(code[..2]);
            if (!CryptographicOperations.FixedTimeEquals(_sha1.GetHashAndReset(), code[2..]))
            {
                throw Modified();
            }
        }

        private static BackupException Modified() =>
            new(BackupError.InvalidArchive, "The encrypted copy was modified or damaged: its OpenPGP integrity check failed. Nothing was kept.");

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
                _cipher.Dispose();
                _sha1.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
