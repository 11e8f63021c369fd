using D3kos.Common.Files;
using D3kos.Common.Interop;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Backup;

/// <summary>
/// Gives the tar writer exactly the number of bytes its header announced (hashed on the way by a
/// <see cref="D3kos.Common.Files.HashingStream"/> around it). A file that shrank or grew since it was
/// measured is reported, never written torn. It reads the open file directly (pread), without a
/// FileStream and its buffer and position calls per file.
/// </summary>
internal sealed class ExactLengthReader(SafeFileHandle file, long length, string member) : ReadOnlyStream
{
    private long _read;

    // The writer takes Length - Position as the entry size; nothing ever seeks.
    public override bool CanSeek => true;
    public override long Length => length;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, length - _read);
        if (wanted == 0)
        {
            return 0;
        }
        var got = UnixFile.ReadAt(file, buffer[..wanted], _read);
        if (got == 0)
        {
            throw new BackupException(BackupError.SourceChanged, $"/{member} shrank while it was being backed up.");
        }
        _read += got;
        return got;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }
        base.Dispose(disposing);
    }
}
