using System.Security.Cryptography;

namespace D3kos.Common.Files;

/// <summary>
/// Passes bytes through to an inner stream while computing their SHA-256, so a file is hashed in the
/// same pass that writes or reads it instead of being read a second time. The one place where data
/// is hashed on its way: exports, uploads, and every file a backup writes or a restore reads.
/// </summary>
/// <param name="sharedHash">A hash object to reuse (one per archive instead of one per file); it is left
/// undisposed. Without one, the stream makes its own.</param>
public sealed class HashingStream(Stream inner, bool leaveOpen = false, IncrementalHash? sharedHash = null) : Stream
{
    private readonly IncrementalHash _hash = sharedHash ?? IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesPassed { get; private set; }

    /// <summary>The SHA-256 of every byte passed since it was last taken; the hash then starts over.</summary>
    public byte[] TakeHash() => _hash.GetHashAndReset();

    /// <summary><see cref="TakeHash"/> as lower-case hex.</summary>
    public string TakeHashHex() => Convert.ToHexStringLower(TakeHash());

    public override bool CanRead => inner.CanRead;
    /// <summary>
    /// As the inner stream says, so that a tar writer can take the entry's size as Length - Position
    /// (an unseekable data stream would make it buffer the whole file). Nothing ever seeks: hashing
    /// needs the bytes in order.
    /// </summary>
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;
    public override long Position { get => inner.CanSeek ? inner.Position : BytesPassed; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Append(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Append(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Append(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Append(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (sharedHash is null)
            {
                _hash.Dispose();
            }
            if (!leaveOpen)
            {
                inner.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        _hash.AppendData(bytes);
        BytesPassed += bytes.Length;
    }
}
