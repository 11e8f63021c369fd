using System.Security.Cryptography;
using System.Text.Json;
using D3kos.ExportManager.Queue;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>
/// Installing over d3kOS v0.9.1.2: its export_queue.json and export_history.json (bare arrays, naive
/// local times, absolute paths, no checksums) are carried over on first start with nothing lost.
/// The fixtures are written the way the Python service wrote them.
/// </summary>
public sealed class UpgradeFromPythonTests : IAsyncLifetime
{
    // The boat's clock was on Toronto winter time (UTC-5) when the old service wrote these.
    private static readonly TimeZoneInfo BoatZone = TimeZoneInfo.CreateCustomTimeZone("Boat", TimeSpan.FromHours(-5), "Boat", "Boat");
    private const string OldExport = """{"installation_id":"0123456789abcdef","export_type":"full_export","data":{}}""";

    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);
    private LoopbackCentral _central = null!;

    public async ValueTask InitializeAsync() => _central = await LoopbackCentral.StartAsync();

    private string QueuePath => _root.At("/opt/d3kos/data/exports/export_queue.json");
    private string HistoryPath => _root.At("/opt/d3kos/data/exports/export_history.json");

    private void WriteOldFiles()
    {
        _root.Write("/opt/d3kos/data/exports/d3kos_export_20260220_121500.json", OldExport);
        _root.Write("/opt/d3kos/data/exports/d3kos_export_20260220_113000.json", OldExport + " ");
        _root.Write("/opt/d3kos/data/exports/export_queue.json", """
            [
              {"id": "full_export_20260220_121500", "type": "full_export",
               "data": {"export_file": "/opt/d3kos/data/exports/d3kos_export_20260220_121500.json", "categories": 6},
               "timestamp": "2026-02-20T12:15:00", "attempts": 1, "status": "retry",
               "next_retry": "2026-02-20T12:20:00", "last_error": "Connection refused"},
              {"id": "full_export_20260220_113000", "type": "full_export",
               "data": {"export_file": "/opt/d3kos/data/exports/d3kos_export_20260220_113000.json"},
               "timestamp": "2026-02-20T11:30:00", "attempts": 0, "status": "pending", "next_retry": null, "last_error": null},
              {"id": "full_export_20260219_090000", "type": "full_export",
               "data": {"export_file": "/opt/d3kos/data/exports/d3kos_export_20260219_090000.json"},
               "timestamp": "2026-02-19T09:00:00", "attempts": 2, "status": "retry",
               "next_retry": "2026-02-20T06:00:00", "last_error": "HTTP 503"}
            ]
            """);
        _root.Write("/opt/d3kos/data/exports/export_history.json", """
            [{"id": "full_export_20260218_080000", "type": "full_export",
              "data": {"export_file": "/opt/d3kos/data/exports/d3kos_export_20260218_080000.json"},
              "timestamp": "2026-02-18T08:00:00", "attempts": 1, "status": "completed", "next_retry": null, "last_error": null}]
            """);
    }

    [Fact]
    public void The_old_entries_are_carried_over_with_their_attempts_times_and_files()
    {
        WriteOldFiles();
        var originalQueue = File.ReadAllBytes(QueuePath);
        using var harness = NewHarness();

        var active = harness.Store.ActiveEntries().OrderBy(e => e.Timestamp).ToList();

        Assert.Equal(["full_export_20260219_090000", "full_export_20260220_113000", "full_export_20260220_121500"], active.Select(e => e.Id));
        Assert.Equal([2, 0, 1], active.Select(e => e.Attempts));
        Assert.Equal([QueueStatus.Retry, QueueStatus.Pending, QueueStatus.Retry], active.Select(e => e.Status));
        // Naive local times on a UTC-5 boat: 12:15 there is 17:15 UTC.
        Assert.Equal(new DateTimeOffset(2026, 2, 20, 17, 15, 0, TimeSpan.Zero), active[2].Timestamp);
        Assert.Equal(new DateTimeOffset(2026, 2, 20, 17, 20, 0, TimeSpan.Zero), active[2].NextRetry);
        Assert.Equal("Connection refused", active[2].LastError);
        // The waiting file moved into exports/ and has its checksum now.
        var moved = harness.Paths.ExportFile(active[2].Data.ExportFile);
        Assert.True(File.Exists(moved));
        Assert.False(File.Exists(_root.At("/opt/d3kos/data/exports/d3kos_export_20260220_121500.json")));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(moved))), active[2].Data.Sha256);
        // The history shows the old completed one.
        var history = Assert.Single(harness.Store.HistoryEntries());
        Assert.Equal(("full_export_20260218_080000", QueueStatus.Completed), (history.Id, history.Status));
        // Both files are in the new format now, with the originals kept byte for byte.
        Assert.Equal(originalQueue, File.ReadAllBytes(QueuePath + ".v1"));
        Assert.True(File.Exists(HistoryPath + ".v1"));
        using var upgraded = JsonDocument.Parse(File.ReadAllBytes(QueuePath));
        Assert.Equal(3, upgraded.RootElement.GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task Waiting_entries_are_delivered_and_one_whose_file_is_gone_fails_with_that_reason()
    {
        WriteOldFiles();
        using var harness = NewHarness();
        // Its next retry, 12:20 on the boat, is 17:20 UTC: not due before then.
        Assert.Equal(2, (await harness.Processor.ProcessDueAsync(CancellationToken.None)).Processed);
        harness.Time.Advance(TimeSpan.FromHours(6));

        var report = await harness.Processor.ProcessDueAsync(CancellationToken.None);

        Assert.Equal((1, 1, 0), (report.Processed, report.Completed, report.Failed));
        var received = _central.Received.ToArray();
        Assert.Equal(["full_export_20260220_113000", "full_export_20260220_121500"], received.Select(r => r.IdempotencyKey).Order());
        Assert.Contains(received, r => r.Body.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(OldExport)));
        var gone = harness.Find("full_export_20260219_090000");
        Assert.Equal(QueueStatus.Failed, gone.Status);
        Assert.Contains("d3kos_export_20260219_090000.json is missing", gone.LastError, StringComparison.Ordinal);
        Assert.Equal(4, harness.Store.HistoryEntries().Count);
    }

    [Fact]
    public void A_second_start_reads_the_new_format_and_keeps_the_first_original()
    {
        WriteOldFiles();
        var originalQueue = File.ReadAllBytes(QueuePath);
        using (var first = NewHarness())
        {
            Assert.Equal(3, first.Store.ActiveEntries().Count);
        }

        using var second = NewHarness();

        Assert.Equal(3, second.Store.ActiveEntries().Count);
        Assert.Equal(originalQueue, File.ReadAllBytes(QueuePath + ".v1"));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(QueuePath)!, "*.corrupt-*"));
    }

    private QueueHarness NewHarness()
    {
        var harness = new QueueHarness(_root, _central.Url);
        harness.Time.SetLocalTimeZone(BoatZone);
        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await _central.DisposeAsync();
        _root.Dispose();
    }
}
