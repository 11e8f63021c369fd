using System.Diagnostics;

namespace D3kos.Backup;

/// <summary>Reads no faster than a rate (bytes per second): an upload that leaves the marina's Wi-Fi to the crew.</summary>
internal sealed class ThrottledStream(Stream inner, long bytesPerSecond) : Stream
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        // Never more than a tenth of a second's worth at once, so the rate holds over short spans too.
        var read = inner.Read(buffer, offset, (int)Math.Min(count, Math.Max(1, bytesPerSecond / 10)));
        _read += read;
        var due = TimeSpan.FromSeconds((double)_read / bytesPerSecond) - _clock.Elapsed;
        if (due > TimeSpan.Zero)
        {
            Thread.Sleep(due);
        }
        return read;
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        await ReadAsync(buffer.AsMemory(offset, count), cancellationToken);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Math.Max(1, bytesPerSecond / 10))], cancellationToken);
        _read += read;
        var due = TimeSpan.FromSeconds((double)_read / bytesPerSecond) - _clock.Elapsed;
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, cancellationToken);
        }
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
