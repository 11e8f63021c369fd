using System.Text.Json;
using D3kos.Common.Compression;
using D3kos.Common.Files;

namespace D3kos.ExportManager.Exports;

/// <summary>The file an export was written to, and what identifies its bytes (the compressed ones, as delivered).</summary>
public sealed record WrittenExport(string FileName, long SizeBytes, string Sha256);

/// <summary>
/// Writes an export as a stream: JSON → gzip on every core → SHA-256 → a temp file that is fsynced and
/// renamed (AtomicFile). Nothing holds the document: the writer is flushed every
/// <see cref="FlushThreshold"/> bytes, so memory stays flat for a season's log. The file is stored
/// and delivered compressed (<c>.json.gz</c>, gzip members that GNU gzip reads); the checksum in the
/// queue entry is of those stored bytes, which is what the central receives.
/// </summary>
public static class ExportFileWriter
{
    public const string Extension = ".json.gz";

    /// <summary>Bytes the JSON writer may hold before they go to the compressor.</summary>
    public const int FlushThreshold = 64 * 1024;

    /// <summary>
    /// zlib level 2: on a season's log (207 MB of JSON) it stores 0.13x in 1.38x the time of
    /// <c>sqlite3 -json</c>; level 1 (zlib-ng's quick deflate) stores 0.17x, level 4 takes 1.52x
    /// (BENCHMARKS.md, "Exports").
    /// </summary>
    public const int CompressionLevel = 2;

    public static WrittenExport Write(string folder, string exportId, Action<Utf8JsonWriter> writeJson)
    {
        var fileName = exportId + Extension;
        long size = 0;
        var sha256 = "";
        AtomicFile.Write(Path.Combine(folder, fileName), stream =>
        {
            using var hashing = new HashingStream(stream, leaveOpen: true);
            using (var gzip = new ParallelGzipStream(hashing, CompressionLevel))
            using (var writer = new Utf8JsonWriter(new FlushIgnoringStream(gzip)))
            {
                writeJson(writer);
            }
            size = hashing.BytesPassed;
            sha256 = hashing.TakeHashHex();
        });
        return new WrittenExport(fileName, size, sha256);
    }

    /// <summary>
    /// Utf8JsonWriter.Flush writes its buffer and then flushes the stream; a flush of the parallel gzip
    /// would end its block early and wait for every block in flight, making the compression serial.
    /// The writer's flush only needs the bytes handed over; the gzip is completed when disposed.
    /// </summary>
    private sealed class FlushIgnoringStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Hands what the writer holds to the stream once it passes the threshold; call after each row.</summary>
    public static void FlushWhenFull(this Utf8JsonWriter writer)
    {
        if (writer.BytesPending >= FlushThreshold)
        {
            writer.Flush();
        }
    }
}
