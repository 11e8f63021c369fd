using System.Diagnostics;
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

    public async Task InitializeAsync() => _central = await LoopbackCentral.StartAsync();

    [Fact]
    public async Task Worker_AttemptsAtOnceThenRetriesWhenDue_WithoutWaitingForTheInterval()
    {
        _central.Script(CentralBehaviour.ServiceUnavailable, CentralBehaviour.Ok);
        var options = new ExportOptions { ProcessInterval = TimeSpan.FromHours(1), RetryDelay = TimeSpan.FromMinutes(5) };
        using var harness = new QueueHarness(_root, _central.Url, options);
        using var worker = new ExportQueueWorker(harness.Queue, Options.Create(options), harness.Time, NullLogger<ExportQueueWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);

        var entry = harness.EnqueueFile();
        await WaitForAsync(() => harness.Find(entry.Id).Status == QueueStatus.Retry);
        Assert.True(worker.IsRunning);

        harness.Time.Advance(TimeSpan.FromMinutes(4));
        await Task.Delay(200);
        Assert.Equal(QueueStatus.Retry, harness.Find(entry.Id).Status);

        harness.Time.Advance(TimeSpan.FromMinutes(1));
        await WaitForAsync(() => harness.Find(entry.Id).Status == QueueStatus.Completed);
        await worker.StopAsync(CancellationToken.None);

        Assert.False(worker.IsRunning);
        Assert.Equal(2, _central.Received.Count);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the worker did not get there within 10 s");
            await Task.Delay(10);
        }
    }

    public async Task DisposeAsync()
    {
        await _central.DisposeAsync();
        _root.Dispose();
    }
}
