using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>kill -9 at random moments while clients queue exports as fast as they can.</summary>
public sealed class ExportManagerCrashTests : IDisposable
{
    // A fixed number of kills, whatever the machine's speed: a slow machine takes longer, never tests less.
    private const int Cycles = 60;
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    [Fact]
    public async Task Kill_dash_nine_never_loses_an_acknowledged_export()
    {
        _root.WithBoatlog(Enumerable.Range(1, 50).Select(i => ((object)(long)i, $"2026-05-01T08:{i:D2}:00", "position", $"fix {i}", (double?)43.5, (double?)-79.5)));
        var environment = new Dictionary<string, string> { ["D3KOS_FS_ROOT"] = _root.Path, ["Auth__AllowUnauthenticatedLoopback"] = "true" };
        var acknowledged = new ConcurrentDictionary<string, bool>();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var random = new Random(20260220);
        var clock = Stopwatch.StartNew();
        var cycles = 0;
        var lost = new List<string>();

        for (; cycles < Cycles; cycles++)
        {
            var port = Binaries.FreePort();
            using var service = Binaries.Start("d3kos-export-manager", environment, "--urls", $"http://127.0.0.1:{port}");
            await Binaries.WaitForHealthAsync(client, port, service);
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(() => QueueExportsAsync(client, port, acknowledged, stop.Token))).ToArray();
            await Task.Delay(random.Next(10, 300), TestContext.Current.CancellationToken);
            Binaries.KillHard(service);
            await stop.CancelAsync();
            await Task.WhenAll(clients);

            // What a power cut would leave on disk: both files must parse, every acknowledged id be there.
            var onDisk = ReadIds("export_queue.json").Concat(ReadIds("export_history.json")).ToHashSet(StringComparer.Ordinal);
            lost.AddRange(acknowledged.Keys.Where(id => !onDisk.Contains(id)));
            // A kill before the first export leaves no exports folder at all, which is fine too.
            var exports = _root.At("/opt/d3kos/data/exports");
            Assert.Empty(Directory.Exists(exports) ? Directory.GetFiles(exports, "*.corrupt-*") : []);
        }

        Figures.Record("export-manager kill -9 while queueing", new Dictionary<string, object>
        {
            ["cycles"] = cycles,
            ["acknowledged"] = acknowledged.Count,
            ["lost"] = lost.Distinct().Count(),
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
        });
        Assert.True(acknowledged.Count > cycles, $"only {acknowledged.Count} exports were acknowledged in {cycles} cycles");
        Assert.Empty(lost.Distinct());
    }

    private static async Task QueueExportsAsync(HttpClient client, int port, ConcurrentDictionary<string, bool> acknowledged, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await client.PostAsync($"http://127.0.0.1:{port}/export/boatlog", null, stop);
                if (response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>(stop);
                    acknowledged[body.GetProperty("queue_id").GetString()!] = true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                // The service was killed under this request: no answer, no promise.
                return;
            }
        }
    }

    private IEnumerable<string> ReadIds(string file)
    {
        var path = _root.At($"/opt/d3kos/data/exports/{file}");
        if (!File.Exists(path))
        {
            return [];
        }
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return [.. document.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
    }

    public void Dispose() => _root.Dispose();
}
