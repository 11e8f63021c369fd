namespace D3kos.ExportManager.Boatlog;

/// <summary>
/// At most one boat-log download per core runs at a time; the others wait their turn. A log without
/// an index on timestamp is sorted by SQLite for each download (a megabyte or two apiece): fifty
/// phones at once would otherwise take a Pi's memory, and the CPU could not serve them faster anyway.
/// </summary>
public sealed class CsvDownloadGate : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(2, Environment.ProcessorCount));

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
