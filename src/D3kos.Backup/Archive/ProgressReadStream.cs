using D3kos.Common.Files;
namespace D3kos.Backup;

/// <summary>Reads an archive file and tells <see cref="BackupProgress"/> how far it has got, every MiB.</summary>
internal sealed class ProgressReadStream : ReadOnlyStream
{
    private const long ReportEvery = 1 << 20;
    private readonly FileStream _inner;
    private readonly BackupProgress _progress;
    private long _read;
    private long _reported;

    public ProgressReadStream(FileStream inner, BackupProgress progress, string phase)
    {
        _inner = inner;
        _progress = progress;
        progress.Begin(phase, inner.Length);
    }

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(_inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(_inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int read)
    {
        _read += read;
        if (_read - _reported >= ReportEvery || (read == 0 && _read != _reported))
        {
            _reported = _read;
            _progress.Report(_read);
        }
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
