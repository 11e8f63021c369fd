using D3kos.ExportManager.Queue;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>The retry state machine, against a real HTTP server on loopback and a fake clock.</summary>
public sealed class QueueRetryTests : IAsyncLifetime
{
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);
    private LoopbackCentral _central = null!;

    public async ValueTask InitializeAsync() => _central = await LoopbackCentral.StartAsync();

    [Fact]
    public async Task Service_unavailable_then_ok_retries_after_delay_and_completes()
    {
        _central.Script(CentralBehaviour.ServiceUnavailable, CentralBehaviour.Ok);
        using var harness = new QueueHarness(_root, _central.Url);
        var entry = harness.EnqueueFile();

        var first = await harness.Processor.ProcessDueAsync(CancellationToken.None);
        var afterFirst = harness.Find(entry.Id);
        Assert.Equal((1, 0, 1, 0), (first.Processed, first.Completed, first.Retrying, first.Failed));
        Assert.Equal(QueueStatus.Retry, afterFirst.Status);
        Assert.Equal(1, afterFirst.Attempts);
        Assert.Equal(harness.Time.GetUtcNow() + TimeSpan.FromMinutes(5), afterFirst.NextRetry);
        Assert.Contains("503", afterFirst.LastError, StringComparison.Ordinal);

        harness.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, (await harness.Processor.ProcessDueAsync(CancellationToken.None)).Processed);

        harness.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await harness.Processor.ProcessDueAsync(CancellationToken.None);

        Assert.Equal(1, second.Completed);
        var done = harness.Find(entry.Id);
        Assert.Equal(QueueStatus.Completed, done.Status);
        Assert.Equal(2, done.Attempts);
        Assert.Empty(harness.Store.ActiveEntries());
        var received = _central.Received.ToArray();
        Assert.Equal(2, received.Length);
        Assert.All(received, r => Assert.Equal(entry.Id, r.IdempotencyKey));
        Assert.All(received, r => Assert.Equal("Bearer 0123456789abcdef", r.Authorization));
        Assert.All(received, r => Assert.Equal("0123456789abcdef", r.InstallationId));
        Assert.All(received, r => Assert.Equal("application/json", r.ContentType));
        Assert.All(received, r => Assert.Equal(entry.Data.Sha256, r.BodySha256));
    }

    [Fact]
    public async Task Bad_request_fails_at_once_and_moves_file_to_failed_exports()
    {
        _central.Default = CentralBehaviour.BadRequest;
        using var harness = new QueueHarness(_root, _central.Url);
        var entry = harness.EnqueueFile();

        var report = await harness.Processor.ProcessDueAsync(CancellationToken.None);

        Assert.Equal(1, report.Failed);
        var failed = harness.Find(entry.Id);
        Assert.Equal(QueueStatus.Failed, failed.Status);
        Assert.Equal(1, failed.Attempts);
        Assert.Contains("400", failed.LastError, StringComparison.Ordinal);
        Assert.False(File.Exists(harness.Paths.ExportFile(entry.Data.ExportFile)));
        Assert.True(File.Exists(harness.Paths.FailedExportFile(entry.Data.ExportFile)));
    }

    [Fact]
    public async Task Always_unavailable_gives_up_after_max_attempts_and_never_exceeds_them()
    {
        _central.Default = CentralBehaviour.ServiceUnavailable;
        using var harness = new QueueHarness(_root, _central.Url);
        var entry = harness.EnqueueFile();

        for (var i = 0; i < 6; i++)
        {
            await harness.Processor.ProcessDueAsync(CancellationToken.None);
            harness.Time.Advance(TimeSpan.FromMinutes(5));
        }

        var failed = harness.Find(entry.Id);
        Assert.Equal(QueueStatus.Failed, failed.Status);
        Assert.Equal(3, failed.Attempts);
        Assert.Contains("gave up after 3 attempts", failed.LastError, StringComparison.Ordinal);
        Assert.Equal(3, _central.Received.Count);
    }

    [Fact]
    public async Task Hanging_endpoint_times_out_and_retries()
    {
        _central.Default = CentralBehaviour.Hang;
        using var harness = new QueueHarness(_root, _central.Url, timeout: TimeSpan.FromSeconds(1));
        var entry = harness.EnqueueFile();

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        var retry = harness.Find(entry.Id);
        Assert.Equal(QueueStatus.Retry, retry.Status);
        Assert.Contains("No answer", retry.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dropped_connection_is_retried()
    {
        _central.Script(CentralBehaviour.DropConnection);
        using var harness = new QueueHarness(_root, _central.Url);
        var entry = harness.EnqueueFile();

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        Assert.Equal(QueueStatus.Retry, harness.Find(entry.Id).Status);
    }

    [Fact]
    public async Task Endpoint_down_is_retried_with_network_error()
    {
        var deadUrl = _central.Url;
        await _central.DisposeAsync();
        _central = await LoopbackCentral.StartAsync();
        using var harness = new QueueHarness(_root, deadUrl);
        var entry = harness.EnqueueFile();

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        var retry = harness.Find(entry.Id);
        Assert.Equal(QueueStatus.Retry, retry.Status);
        Assert.Contains("Network error", retry.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queued_entries_survive_a_restart()
    {
        _central.Default = CentralBehaviour.ServiceUnavailable;
        string id;
        using (var before = new QueueHarness(_root, _central.Url))
        {
            id = before.EnqueueFile().Id;
            await before.Processor.ProcessDueAsync(CancellationToken.None);
        }

        using var after = new QueueHarness(_root, _central.Url);

        var entry = Assert.Single(after.Store.ActiveEntries());
        Assert.Equal(id, entry.Id);
        Assert.Equal(1, entry.Attempts);
        Assert.Equal(QueueStatus.Retry, entry.Status);
    }

    [Fact]
    public async Task History_older_than_retention_is_pruned()
    {
        using var harness = new QueueHarness(_root, _central.Url);
        var entry = harness.EnqueueFile();
        await harness.Processor.ProcessDueAsync(CancellationToken.None);
        Assert.Single(harness.Store.HistoryEntries());
        File.SetLastWriteTimeUtc(harness.Paths.ExportFile(entry.Data.ExportFile), harness.Time.GetUtcNow().UtcDateTime);

        harness.Time.Advance(TimeSpan.FromDays(29));
        harness.Processor.Prune();
        Assert.Single(harness.Store.HistoryEntries());

        harness.Time.Advance(TimeSpan.FromDays(2));
        harness.Processor.Prune();
        Assert.Empty(harness.Store.HistoryEntries());
        Assert.False(File.Exists(harness.Paths.ExportFile(entry.Data.ExportFile)));
    }

    public async ValueTask DisposeAsync()
    {
        await _central.DisposeAsync();
        _root.Dispose();
    }
}
