using System.IO.Compression;
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

    public static WrittenExport Write(string folder, string exportId, Action<Utf8JsonWriter> writeJson)
    {
        var fileName = exportId + Extension;
        long size = 0;
        var sha256 = "";
        AtomicFile.Write(Path.Combine(folder, fileName), stream =>
        {
            using var hashing = new HashingStream(stream, leaveOpen: true);
            // Level 1 of zlib-ng: the export is text with long repeats, where it keeps within 0.15x of
            // the JSON at a fraction of level 6's time (BENCHMARKS.md, "Exports").
            using (var gzip = new ParallelGzipStream(hashing, CompressionLevel.Fastest))
            using (var writer = new Utf8JsonWriter(gzip))
            {
                writeJson(writer);
            }
            size = hashing.BytesPassed;
            sha256 = hashing.HashHex();
        });
        return new WrittenExport(fileName, size, sha256);
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
