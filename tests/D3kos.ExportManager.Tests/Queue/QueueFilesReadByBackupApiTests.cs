using D3kos.Backup;
using D3kos.Common.Files;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>
/// The backup API's conditions read this queue's files (ExportQueueLook): what they read must be what the real
/// queue writes, an export the shore refused for good and one still waiting for it.
/// </summary>
public sealed class QueueFilesReadByBackupApiTests : IAsyncLifetime
{
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);
    private LoopbackCentral _central = null!;

    public async ValueTask InitializeAsync() => _central = await LoopbackCentral.StartAsync();

    [Fact]
    public async Task A_refused_export_reads_as_failed_with_its_reason_and_a_waiting_one_as_waiting()
    {
        using var harness = new QueueHarness(_root, _central.Url);
        _central.Default = CentralBehaviour.BadRequest;
        var refused = harness.EnqueueFile();
        await harness.Processor.ProcessDueAsync(TestContext.Current.CancellationToken);
        _central.Default = CentralBehaviour.ServiceUnavailable;
        var waiting = harness.EnqueueFile();
        await harness.Processor.ProcessDueAsync(TestContext.Current.CancellationToken);

        var look = new ExportQueueLook(new D3kosRoot(_root.Path));

        var failed = Assert.Single(look.History());
        Assert.Equal(("failed", harness.Find(refused.Id).FinishedAt), (failed.Status, failed.FinishedAt));
        Assert.Contains("400", failed.LastError, StringComparison.Ordinal);
        var queued = Assert.Single(look.Waiting());
        Assert.Equal(("retry", waiting.Timestamp), (queued.Status, queued.Timestamp));
        Assert.NotNull(queued.LastError);
    }

    public async ValueTask DisposeAsync()
    {
        await _central.DisposeAsync();
        _root.Dispose();
    }
}
