using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.IO.Compression;

namespace D3kos.Common.Compression;

/// <summary>
/// gzip on every core: the input is cut into blocks, each compressed on its own by the native zlib
/// into a complete gzip member, and the members are written in order. GNU gzip, tar and .NET read
/// concatenated members as one stream (RFC 1952 2.2). Blocks of 1 MiB lose little ratio to the reset
/// dictionary and keep memory bounded: at most two blocks per core are in flight. A block of data that is
/// already compressed (photos, archives) is stored rather than deflated (<see cref="LooksIncompressible"/>).
/// The compressing runs on threads of this class's own (one per core, started once and shared by every
/// stream), not the thread pool: the writer waits for them synchronously, and a writer that is itself on
/// a pool thread (the restore's safety backup) would otherwise wait for pool threads that the pool adds
/// only one or two a second. Threads made per stream would cost their stacks and the buffers cached per
/// thread by ArrayPool on every export (the export manager's peak RSS grew from 52–58 to 63–74 MB).
/// </summary>
public sealed class ParallelGzipStream : Stream
{
    public const int DefaultBlockSize = 1 << 20;

    private readonly Stream _output;
    private readonly int _blockSize;
    private readonly int _maxInFlight;
    private readonly int _level;
    private static readonly BlockingCollection<Job> Jobs = new();
    private static readonly Lazy<Thread[]> Workers = new(StartWorkers);

    private readonly Queue<Job> _inFlight = new();
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
        _maxInFlight = 2 * Workers.Value.Length;
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
        var job = new Job(_block, _filled, _level);
        _inFlight.Enqueue(job);
        Jobs.Add(job);
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

    /// <summary>
    /// A whole gzip member of no data (RFC 1952 header, the empty final deflate block 03 00, CRC-32 and size
    /// zero). .NET's GZipStream writes nothing at all for empty input, which no gzip reader accepts.
    /// </summary>
    private static readonly byte[] EmptyMember = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private static Compressed Compress(byte[] block, int length, int level)
    {
        try
        {
            if (length == 0)
            {
                var empty = ArrayPool<byte>.Shared.Rent(EmptyMember.Length);
                EmptyMember.CopyTo(empty, 0);
                return new Compressed(empty, EmptyMember.Length);
            }
            // Worst case for deflate is a little over the input; room for header and trailer too.
            var output = new PooledBufferStream(ArrayPool<byte>.Shared.Rent(length + (length >> 8) + 64));
            var chosen = level > 0 && LooksIncompressible(block, length) ? 0 : level;
            using (var gzip = new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = chosen }, leaveOpen: true))
            {
                gzip.Write(block, 0, length);
            }
            return new Compressed(output.Buffer, (int)output.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    private const int SampleBytes = 4096;
    private const int Samples = 8;

    /// <summary>
    /// Whether a block is already compressed data (a JPEG from the marine-vision camera, a .gz, an update
    /// file): eight 4 KiB samples spread over it, deflated together at level 2, save less than 2%. Such a
    /// block is stored instead of deflated: zlib-ng spent 0.8 s of CPU on 40 MB of random bytes at level 1
    /// and made them 5.5% larger (its level 1 has fixed Huffman codes only); stored, they cost a copy and
    /// a CRC. Level 2 is the first with Huffman codes fitted to the data, so text with few repeats (base64
    /// of a photo in an export, raw sensor data) is recognised as compressible. A block that is partly
    /// text keeps being compressed, because a compressible sample pulls the total under the threshold; a
    /// JPEG stored loses the 1-2% deflate would have taken off it.
    /// </summary>
    private static bool LooksIncompressible(byte[] block, int length)
    {
        if (length < 2 * Samples * SampleBytes)
        {
            return false;
        }
        // Deflate's worst case is a little over its input: twice the samples is room enough.
        var scratch = ArrayPool<byte>.Shared.Rent(2 * Samples * SampleBytes);
        try
        {
            var sink = new MemoryStream(scratch, 0, 2 * Samples * SampleBytes);
            using (var deflate = new DeflateStream(sink, new ZLibCompressionOptions { CompressionLevel = 2 }, leaveOpen: true))
            {
                for (var i = 0; i < Samples; i++)
                {
                    deflate.Write(block, (int)((long)(length - SampleBytes) * i / (Samples - 1)), SampleBytes);
                }
            }
            return sink.Position * 100 >= 98L * Samples * SampleBytes;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static Thread[] StartWorkers()
    {
        var threads = new Thread[Environment.ProcessorCount];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = $"gzip-{i}" };
            threads[i].Start();
        }
        return threads;
    }

    private static void Work()
    {
        foreach (var job in Jobs.GetConsumingEnumerable())
        {
            try
            {
                job.Result = Compress(job.Block, job.Length, job.Level);
            }
            catch (Exception ex)
            {
                job.Error = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                job.Done.Set();
            }
        }
    }

    /// <summary>One block to compress, and its result once <see cref="Done"/> is set.</summary>
    private sealed class Job(byte[] block, int length, int level)
    {
        public byte[] Block => block;
        public int Length => length;
        public int Level => level;
        public ManualResetEventSlim Done { get; } = new();
        public Compressed? Result { get; set; }
        public ExceptionDispatchInfo? Error { get; set; }
    }

    private sealed record Compressed(byte[] Buffer, int Length)
    {
        public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
    }

    /// <summary>A write-only stream into a rented array that grows (through the pool) if deflate ever needs more.</summary>
    private sealed class PooledBufferStream(byte[] initial) : Stream
    {
        private int _length;

        public byte[] Buffer { get; private set; } = initial;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_length + buffer.Length > Buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Buffer.Length * 2, _length + buffer.Length));
                Buffer.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = bigger;
            }
            buffer.CopyTo(Buffer.AsSpan(_length));
            _length += buffer.Length;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
