using D3kos.ExportManager.Queue;
using D3kos.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace D3kos.ExportManager.Tests;

/// <summary>The background worker on a fake clock: it wakes for new work and for due retries, not only on its interval.</summary>
public sealed class WorkerClockTests : IAsyncLifetime
{
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);
    private LoopbackCentral _central = null!;

    public async ValueTask InitializeAsync() => _central = await LoopbackCentral.StartAsync();

    [Fact]
    public async Task Worker_attempts_at_once_then_retries_when_due_without_waiting_for_the_interval()
    {
        _central.Script(CentralBehaviour.ServiceUnavailable, CentralBehaviour.Ok);
        var options = new ExportOptions { ProcessInterval = TimeSpan.FromHours(1), RetryDelay = TimeSpan.FromMinutes(5) };
        using var harness = new QueueHarness(_root, _central.Url, options);
        using var worker = new ExportQueueWorker(harness.Store, harness.Processor, Options.Create(options), harness.Time, NullLogger<ExportQueueWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);

        var start = harness.Time.GetUtcNow();
        var entry = harness.EnqueueFile();
        await Eventually.TrueAsync(() => harness.Find(entry.Id).Status == QueueStatus.Retry, "the first attempt fails");
        Assert.True(worker.IsRunning);

        // It sleeps until the retry is due (5 min), not for its interval (1 h); nothing needs to be waited out.
        var due = start + options.RetryDelay;
        await Eventually.TrueAsync(() => worker.SleepingUntil == due, $"the worker sleeps until {due:HH:mm:ss}");
        harness.Time.Advance(options.RetryDelay);
        await Eventually.TrueAsync(() => harness.Find(entry.Id).Status == QueueStatus.Completed, "the retry succeeds");
        await worker.StopAsync(CancellationToken.None);

        Assert.False(worker.IsRunning);
        Assert.Equal(due, harness.Find(entry.Id).FinishedAt);
        Assert.Equal(2, _central.Received.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _central.DisposeAsync();
        _root.Dispose();
    }
}
