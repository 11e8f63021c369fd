using System.Runtime.ExceptionServices;

namespace D3kos.Backup;

/// <summary>
/// The archive's body, written before the file offset it starts at is known: the manifest's room in
/// front of it is sized by a walk of the sources that runs beside the writing. Up to <c>holdLimit</c>
/// bytes are held in memory until <c>place</c> (which waits for that walk, checks the space and returns
/// the offset) has run; it runs as soon as the walk is done, or when the limit or a flush needs it, and
/// the output then goes straight to the file. Nothing reaches the disk before the space is checked.
/// Used by one writer thread only.
/// </summary>
internal sealed class PlacedLaterStream(Stream file, Func<bool> placeable, Func<long> place, int holdLimit) : Stream
{
    private bool _placed;
    private bool _abandoned;
    private ExceptionDispatchInfo? _refused;

    // Made at the first write that must wait, at its full size: growing it would copy it each time.
    private MemoryStream? _held;

    public bool IsPlaced => _placed;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>After a failure: what is still written goes nowhere, and nothing waits for the place.</summary>
    public void Abandon()
    {
        _abandoned = true;
        _held = null;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_abandoned)
        {
            return;
        }
        if (!_placed && (placeable() || (_held?.Length ?? 0) + buffer.Length > holdLimit))
        {
            Place();
        }
        if (_placed)
        {
            file.Write(buffer);
            return;
        }
        _held ??= new MemoryStream(holdLimit);
        _held.Write(buffer);
    }

    /// <summary>Places the output now, waiting for what decides the offset if need be.</summary>
    public void Place()
    {
        if (_placed || _abandoned)
        {
            return;
        }
        // A refusal (no space, a source gone) stands: the writers being disposed after it must not run
        // the check again and log it twice.
        _refused?.Throw();
        long offset;
        try
        {
            offset = place();
        }
        catch (Exception ex)
        {
            _refused = ExceptionDispatchInfo.Capture(ex);
            throw;
        }
        file.Seek(offset, SeekOrigin.Begin);
        if (_held is not null)
        {
            file.Write(_held.GetBuffer().AsSpan(0, (int)_held.Length));
            _held = null;
        }
        _placed = true;
    }

    public override void Flush()
    {
        if (_abandoned)
        {
            return;
        }
        Place();
        file.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
