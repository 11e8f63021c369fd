using System.Text.Json;
using D3kos.Common.Files;

namespace D3kos.ExportManager.Exports;

/// <summary>The file an export was written to, and what identifies its bytes.</summary>
public sealed record WrittenExport(string FileName, long SizeBytes, string Sha256);

/// <summary>
/// Writes an export file atomically, hashing it in the same pass: the queue entry can then carry a
/// checksum without reading the file again.
/// </summary>
public static class ExportFileWriter
{
    public static WrittenExport Write(string folder, string fileName, Action<Utf8JsonWriter> writeJson)
    {
        long size = 0;
        var sha256 = "";
        AtomicFile.Write(Path.Combine(folder, fileName), stream =>
        {
            using var hashing = new HashingStream(stream, leaveOpen: true);
            using (var writer = new Utf8JsonWriter(hashing))
            {
                writeJson(writer);
            }
            size = hashing.BytesPassed;
            sha256 = hashing.HashHex();
        });
        return new WrittenExport(fileName, size, sha256);
    }
}
