using D3kos.ExportManager.Queue;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>
/// A marina's Wi-Fi and a busy shore server: down, refusing, 503 then 200, 400, hanging, resetting
/// mid-body, in random order. Every entry must end as the retry rules say, within the attempt limit,
/// with the same Idempotency-Key on every attempt.
/// </summary>
public sealed class NetworkChaosTests : IAsyncLifetime
{
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);
    private LoopbackCentral _central = null!;

    public async ValueTask InitializeAsync() => _central = await LoopbackCentral.StartAsync();

    [Fact]
    public async Task Random_faults_every_entry_ends_by_the_rules()
    {
        CentralBehaviour[] faults = [CentralBehaviour.Ok, CentralBehaviour.ServiceUnavailable, CentralBehaviour.BadRequest,
            CentralBehaviour.Hang, CentralBehaviour.DropConnection, CentralBehaviour.DropMidBody];
        var random = new Random(1852);
        _central.Script([.. Enumerable.Range(0, 400).Select(_ => faults[random.Next(faults.Length)])]);
        using var harness = new QueueHarness(_root, _central.Url, timeout: TimeSpan.FromMilliseconds(300));
        var entries = Enumerable.Range(0, 40).Select(i => harness.EnqueueFile($"{{\"n\":{i},\"padding\":\"{new string('x', 4096)}\"}}")).ToList();

        for (var round = 0; round < 5 && harness.Store.ActiveEntries().Count > 0; round++)
        {
            await harness.Processor.ProcessDueAsync(CancellationToken.None);
            harness.Time.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.Empty(harness.Store.ActiveEntries());
        var received = _central.Received.ToArray();
        foreach (var entry in entries.Select(e => harness.Find(e.Id)))
        {
            var attempts = received.Where(r => r.IdempotencyKey == entry.Id).ToList();
            // An attempt that timed out before reaching the server is counted but never seen there.
            Assert.InRange(attempts.Count, 1, entry.Attempts);
            Assert.InRange(entry.Attempts, 1, 3);
            var last = attempts[^1].AnsweredWith;
            switch (entry.Status)
            {
                case QueueStatus.Completed:
                    Assert.Equal(CentralBehaviour.Ok, last);
                    Assert.All(attempts[..^1], a => Assert.NotEqual(CentralBehaviour.Ok, a.AnsweredWith));
                    break;
                case QueueStatus.Failed when last == CentralBehaviour.BadRequest:
                    Assert.Contains("400", entry.LastError, StringComparison.Ordinal);
                    break;
                case QueueStatus.Failed:
                    Assert.Equal(3, entry.Attempts);
                    Assert.Contains("gave up after 3 attempts", entry.LastError, StringComparison.Ordinal);
                    break;
                default:
                    Assert.Fail($"entry {entry.Id} ended {entry.Status}");
                    break;
            }
            // Nothing is uploaded twice without the key: every attempt carried it.
            Assert.All(attempts, a => Assert.Equal(entry.Id, a.IdempotencyKey));
        }
        Assert.DoesNotContain(received, r => r.IdempotencyKey is null);
    }

    public async ValueTask DisposeAsync()
    {
        await _central.DisposeAsync();
        _root.Dispose();
    }
}
