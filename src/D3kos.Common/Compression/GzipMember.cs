using System.Buffers;
using System.IO.Compression;

namespace D3kos.Common.Compression;

/// <summary>One block made into a complete gzip member: deflated, or stored when it is already compressed.</summary>
internal static class GzipMember
{
    /// <summary>
    /// A whole gzip member of no data (RFC 1952 header, the empty final deflate block 03 00, CRC-32 and size
    /// zero). .NET's GZipStream writes nothing at all for empty input, which no gzip reader accepts.
    /// </summary>
    private static readonly byte[] EmptyMember = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static Compressed Compress(byte[] block, int length, int level)
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
    /// block is stored instead of deflated: zlib-ng's level 1 (fixed Huffman codes only) spends CPU on random
    /// bytes and makes them larger; stored, they cost a copy and a CRC. Level 2 is the first with Huffman codes fitted to the data, so text with few repeats (base64
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

    public sealed record Compressed(byte[] Buffer, int Length)
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
