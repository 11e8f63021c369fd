using System.Buffers;
using System.IO.Compression;

namespace D3kos.Common.Compression;

/// <summary>
/// gzip on every core: the input is cut into blocks, each compressed on its own by the native zlib
/// into a complete gzip member, and the members are written in order. GNU gzip, tar and .NET read
/// concatenated members as one stream (RFC 1952 2.2). Blocks of 1 MiB lose little ratio to the reset
/// dictionary and keep memory bounded: at most two blocks per core are in flight. A block of data that is
/// already compressed (photos, archives) is stored rather than deflated (<see cref="LooksIncompressible"/>).
/// The blocks are compressed by <see cref="GzipWorkers"/>, one thread per core shared by every stream.
/// </summary>
public sealed class ParallelGzipStream : Stream
{
    public const int DefaultBlockSize = 1 << 20;

    private readonly Stream _output;
    private readonly int _blockSize;
    private readonly int _maxInFlight;
    private readonly int _level;

    private readonly Queue<GzipJob> _inFlight = new();
    private byte[] _block;
    private int _filled;
    private bool _anyMember;
    private bool _disposed;

    public ParallelGzipStream(Stream output, CompressionLevel level = CompressionLevel.Optimal, int blockSize = DefaultBlockSize)
        : this(output, ZlibLevel(level), blockSize)
    {
    }

    /// <summary>With a zlib level (1 fastest … 9 smallest), for a trade-off between the named levels.</summary>
    public ParallelGzipStream(Stream output, int zlibLevel, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(zlibLevel, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(zlibLevel, 9);
        _output = output;
        _level = zlibLevel;
        _blockSize = blockSize;
        // Two blocks per shared worker thread: one being compressed, one waiting.
        _maxInFlight = 2 * GzipWorkers.Count;
        _block = ArrayPool<byte>.Shared.Rent(blockSize);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, _blockSize - _filled);
            buffer[..take].CopyTo(_block.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == _blockSize)
            {
                SubmitBlock();
            }
        }
    }

    /// <summary>Compresses what is buffered and writes every finished member; the output then holds a complete gzip stream so far.</summary>
    public override void Flush()
    {
        if (_filled > 0)
        {
            SubmitBlock();
        }
        while (_inFlight.Count > 0)
        {
            WriteOldest();
        }
        _output.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            try
            {
                if (!_anyMember || _filled > 0)
                {
                    SubmitBlock(); // an empty input still makes one valid (empty) member
                }
                Flush();
            }
            finally
            {
                _disposed = true;
                // After a failure elsewhere, blocks still in flight finish and give their buffers back.
                foreach (var pending in _inFlight)
                {
                    pending.Done.Wait();
                    pending.Result?.Return();
                    pending.Done.Dispose();
                }
                _inFlight.Clear();
                ArrayPool<byte>.Shared.Return(_block);
            }
        }
        base.Dispose(disposing);
    }

    private void SubmitBlock()
    {
        var job = new GzipJob(_block, _filled, _level);
        _inFlight.Enqueue(job);
        GzipWorkers.Submit(job);
        _anyMember = true;
        _block = ArrayPool<byte>.Shared.Rent(_blockSize);
        _filled = 0;
        while (_inFlight.Count >= _maxInFlight)
        {
            WriteOldest();
        }
    }

    private void WriteOldest()
    {
        var job = _inFlight.Dequeue();
        job.Done.Wait();
        job.Done.Dispose();
        job.Error?.Throw();
        var compressed = job.Result!;
        try
        {
            _output.Write(compressed.Buffer, 0, compressed.Length);
        }
        finally
        {
            compressed.Return();
        }
    }

    // The levels .NET gives the named ones on its zlib-ng.
    private static int ZlibLevel(CompressionLevel level) => level switch
    {
        CompressionLevel.NoCompression => 0,
        CompressionLevel.Fastest => 1,
        CompressionLevel.SmallestSize => 9,
        _ => 6,
    };
}
