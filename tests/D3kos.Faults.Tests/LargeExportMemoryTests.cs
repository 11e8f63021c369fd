using System.Net.Http.Json;
using System.Text.Json;
using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>
/// A season's boat log exported inside a memory limit smaller than the export itself: the service
/// runs with a 32 MB GC heap limit (DOTNET_GCHeapHardLimit) and a log whose JSON is several times
/// that. An export that held the document in memory fails here with an out-of-memory 500.
/// </summary>
public sealed class LargeExportMemoryTests : IDisposable
{
    private const int Rows = 400_000;
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    [Fact]
    public async Task Generate_and_boatlog_of_a_large_log_succeed_inside_a_small_heap()
    {
        _root.WithBoatlog(Enumerable.Range(1, Rows).Select(i =>
            ((object)(long)i, $"2026-05-01T{i / 3600 % 24:D2}:{i / 60 % 60:D2}:{i % 60:D2}.{i:D6}", "position", $"Underway, fix number {i}, all well", (double?)(43 + i * 1e-6), (double?)(-79 - i * 1e-6))));
        var port = Binaries.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["D3KOS_FS_ROOT"] = _root.Path,
            ["Auth__AllowUnauthenticatedLoopback"] = "true",
            ["DOTNET_GCHeapHardLimit"] = "2000000", // 32 MB; hexadecimal without "0x", the only form the Native AOT runtime reads
        };
        using var service = Binaries.Start("d3kos-export-manager", environment, "--urls", $"http://127.0.0.1:{port}");
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        await Binaries.WaitForHealthAsync(client, port, service);

        var boatlog = await PostAsync(client, $"http://127.0.0.1:{port}/export/boatlog");
        var full = await PostAsync(client, $"http://127.0.0.1:{port}/export/generate");
        var peakKb = Binaries.PeakRssKb(service.Id);
        Binaries.KillHard(service);

        Assert.Equal(Rows, boatlog.GetProperty("entry_count").GetInt32());
        var file = _root.At("/opt/d3kos/data/exports/exports/" + full.GetProperty("export_file").GetString());
        var plainBytes = CountBoatlogEntries(file, out var entries);
        Assert.Equal(Rows, entries);
        var storedBytes = new FileInfo(file).Length;
        Figures.Record("export of a large log in a 32 MB heap", new Dictionary<string, object>
        {
            ["rows"] = Rows, ["peak_rss_mb"] = peakKb / 1024, ["json_mb"] = plainBytes / 1_000_000, ["stored_mb"] = storedBytes / 1_000_000,
            ["stored_ratio"] = Math.Round((double)storedBytes / plainBytes, 3),
        });
        Assert.True(plainBytes > 2 * 32 * 1024 * 1024, $"the export ({plainBytes} bytes) must be larger than the heap limit to prove anything");
        Assert.True(storedBytes < plainBytes * 0.15, $"stored {storedBytes} bytes for {plainBytes} bytes of JSON");
        if (Binaries.IsAot)
        {
            Binaries.AssertWithinBudget(peakKb, "export");
        }
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string url)
    {
        using var response = await client.PostAsync(url, null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>Streams the gzip export back through a JSON reader; returns the plain size and counts the boat-log entries.</summary>
    private static long CountBoatlogEntries(string path, out int entries)
    {
        using var file = File.OpenRead(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        using var counting = new MemoryStream();
        gzip.CopyTo(counting);
        using var document = JsonDocument.Parse(counting.ToArray());
        entries = document.RootElement.GetProperty("data").GetProperty("boatlog").GetProperty("entries").GetArrayLength();
        Assert.Equal(entries, document.RootElement.GetProperty("data").GetProperty("boatlog").GetProperty("entry_count").GetInt32());
        return counting.Length;
    }


    public void Dispose() => _root.Dispose();
}
