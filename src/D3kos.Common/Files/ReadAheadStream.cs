using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace D3kos.Common.Files;

/// <summary>
/// Reads another stream ahead on a thread of its own, a few chunks at most: the gzip decompression of
/// an archive then runs on one core while the caller checks and writes its files on another, as
/// <c>tar xzf</c> does with its separate gzip process. Memory is bounded by the chunks in the queue.
/// </summary>
public sealed class ReadAheadStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly int _chunkSize;
    private readonly BlockingCollection<Chunk> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _reader;
    private Chunk? _current;
    private int _offset;
    private bool _ended;
    private bool _disposed;
    private ExceptionDispatchInfo? _failed;

    public ReadAheadStream(Stream inner, int chunkSize = 1 << 20, int chunksAhead = 4)
    {
        _inner = inner;
        _chunkSize = chunkSize;
        _ready = new BlockingCollection<Chunk>(chunksAhead);
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "read-ahead" };
        _reader.Start();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _failed?.Throw();
        if (buffer.IsEmpty)
        {
            return 0;
        }
        while (_current is null || _offset == _current.Length)
        {
            if (_ended)
            {
                return 0;
            }
            Return(_current);
            _current = _ready.Take();
            _offset = 0;
            if (_current.Error is { } error)
            {
                // The reader thread has stopped: every later read fails the same way instead of waiting for it.
                _ended = true;
                _failed = error;
                Return(_current);
                _current = null;
                error.Throw();
            }
            if (_current.Length == 0)
            {
                _ended = true;
                Return(_current);
                _current = null;
                return 0;
            }
        }
        var n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.Buffer.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    private void ReadLoop()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(_chunkSize);
                Chunk chunk;
                try
                {
                    chunk = new Chunk(buffer, _inner.ReadAtLeast(buffer.AsSpan(0, _chunkSize), _chunkSize, throwOnEndOfStream: false), null);
                }
                catch (Exception ex)
                {
                    chunk = new Chunk(buffer, 0, ExceptionDispatchInfo.Capture(ex));
                }
                _ready.Add(chunk, _stop.Token);
                if (chunk.Length == 0 || chunk.Error is not null)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed before the end: the caller no longer wants the rest.
        }
    }

    private static void Return(Chunk? chunk)
    {
        if (chunk is not null)
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _stop.Cancel();
            _reader.Join();
            Return(_current);
            _current = null;
            while (_ready.TryTake(out var left))
            {
                Return(left);
            }
            _ready.Dispose();
            _stop.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private sealed record Chunk(byte[] Buffer, int Length, ExceptionDispatchInfo? Error);
}
