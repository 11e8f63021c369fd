using System.Buffers;
using System.Text.Json;

namespace D3kos.Backup;

/// <summary>
/// The manifest of an archive being written. Each file's record goes to a temporary file as soon as the
/// file is archived; at the end the whole manifest (header, records, padding) is streamed from there into
/// the room reserved at the front of the archive. So the writer holds no list of files, however many.
/// </summary>
internal sealed class ManifestSpool : IDisposable
{
    private static readonly byte[] FilesStart = System.Text.Encoding.UTF8.GetBytes($",\"{BackupManifest.FilesProperty}\":[");
    private static readonly byte[] End = "]}"u8.ToArray();

    private readonly FileStream _records;
    private readonly ArrayBufferWriter<byte> _record = new(512);
    private readonly Utf8JsonWriter _writer;

    /// <param name="folder">Where the temporary file goes (the backups folder: root's, and *.partial is cleaned at start).</param>
    public ManifestSpool(string folder)
    {
        _records = new FileStream(Path.Combine(folder, $".manifest-{Guid.NewGuid():N}.partial"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        _writer = new Utf8JsonWriter(_record);
    }

    public int Count { get; private set; }

    public void Add(ManifestFile file)
    {
        if (Count++ > 0)
        {
            _records.WriteByte((byte)',');
        }
        // Each record through a small reused buffer into the file's own buffer: one write per 64 KiB, not per record.
        JsonSerializer.Serialize(_writer, file, BackupJsonContext.Default.ManifestFile);
        _writer.Flush();
        _records.Write(_record.WrittenSpan);
        _record.ResetWrittenCount();
        _writer.Reset();
    }

    /// <summary>
    /// The most bytes the record of <paramref name="member"/> can take, with its separator: the record with
    /// the longest size and flag there are. The scan adds these up before the archive is written.
    /// </summary>
    public static int RecordBound(string member)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer);
        JsonSerializer.Serialize(writer, new ManifestFile { Path = member, Size = long.MaxValue, Sha256 = new string('0', 64), SqliteSnapshot = true },
            BackupJsonContext.Default.ManifestFile);
        writer.Flush();
        return buffer.WrittenCount + 1;
    }

    /// <summary>
    /// The room to reserve for the manifest: its header and frame, every record at its longest, and room
    /// for a few files added while the backup runs (64 KiB or 1 %, stored as spaces in the archive).
    /// </summary>
    public static int Reserve(BackupManifest header, long recordBounds)
    {
        var bytes = HeaderStart(header).Length + End.Length + recordBounds + Math.Max(64 * 1024, recordBounds / 100);
        return bytes <= ManifestReader.MaxManifestBytes
            ? (int)bytes
            : throw new BackupException(BackupError.TooLarge, $"The sources hold too many files for one backup's manifest ({bytes / (1 << 20)} MiB).");
    }

    /// <summary>
    /// The finished manifest, padded with JSON whitespace to exactly <paramref name="reserved"/> bytes.
    /// Files that appeared after the scan can make it longer than reserved: the backup then starts over.
    /// </summary>
    public Stream Content(BackupManifest header, int reserved)
    {
        _records.Flush();
        var start = HeaderStart(header);
        var length = start.Length + _records.Length + End.Length;
        if (length > reserved)
        {
            throw new BackupException(BackupError.SourceChanged, "Files were added while the backup was written.");
        }
        return new Segments(start, _records, End, reserved - length);
    }

    /// <summary>A stream of exactly <paramref name="length"/> spaces, in place of the manifest, to measure the member that will hold it.</summary>
    public static Stream Placeholder(int length) => new Segments([], Stream.Null, [], length);

    public void Dispose()
    {
        _writer.Dispose();
        _records.Dispose();
    }

    /// <summary>The header object without its closing brace, then the opening of the file list.</summary>
    private static byte[] HeaderStart(BackupManifest header)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header, BackupJsonContext.Default.BackupManifest);
        return [.. json.AsSpan(0, json.Length - 1), .. FilesStart];
    }

    /// <summary>
    /// head, the spooled records, tail and padding as one seekable stream. Every read is filled as far as
    /// the stream goes, so the placeholder and the real manifest are written in identical pieces and make
    /// a stored gzip member of identical length.
    /// </summary>
    private sealed class Segments(byte[] head, Stream records, byte[] tail, long padding) : Stream
    {
        private readonly long _recordsLength = records == Stream.Null ? 0 : records.Length;
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => head.Length + _recordsLength + tail.Length + padding;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var total = 0;
            while (!buffer.IsEmpty && _position < Length)
            {
                var read = ReadSome(buffer);
                _position += read;
                total += read;
                buffer = buffer[read..];
            }
            return total;
        }

        private int ReadSome(Span<byte> buffer)
        {
            var at = _position;
            if (at < head.Length)
            {
                return Copy(head.AsSpan((int)at), buffer);
            }
            at -= head.Length;
            if (at < _recordsLength)
            {
                records.Position = at;
                var read = records.Read(buffer[..(int)Math.Min(buffer.Length, _recordsLength - at)]);
                return read > 0 ? read : throw new IOException("The manifest's spool file ended before its length.");
            }
            at -= _recordsLength;
            if (at < tail.Length)
            {
                return Copy(tail.AsSpan((int)at), buffer);
            }
            var spaces = (int)Math.Min(buffer.Length, Length - _position);
            buffer[..spaces].Fill((byte)' ');
            return spaces;
        }

        private static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
        {
            var n = Math.Min(from.Length, to.Length);
            from[..n].CopyTo(to);
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
