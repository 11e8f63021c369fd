using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>Fifty phones download a large boat log at once: the service's memory stays flat.</summary>
public sealed class CsvLoadTests : IDisposable
{
    private const int Rows = 200_000;
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    [Fact]
    public async Task Fifty_concurrent_downloads_keep_memory_flat()
    {
        _root.WithBoatlog(Enumerable.Range(1, Rows).Select(i =>
            ((object)(long)i, $"2026-05-01T{i / 3600 % 24:D2}:{i / 60 % 60:D2}:{i % 60:D2}.{i:D6}", "position", $"Underway, fix number {i}, all well", (double?)(43 + i * 1e-6), (double?)(-79 - i * 1e-6))));
        var port = Binaries.FreePort();
        var environment = new Dictionary<string, string> { ["D3KOS_FS_ROOT"] = _root.Path, ["Auth__AllowUnauthenticatedLoopback"] = "true" };
        using var service = Binaries.Start("d3kos-export-manager", environment, "--urls", $"http://127.0.0.1:{port}");
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        await Binaries.WaitForHealthAsync(client, port, service);
        var url = $"http://127.0.0.1:{port}/export/boatlog/csv";
        Assert.Equal(Rows + 1, await CountLinesAsync(client, url));
        var baseline = Binaries.PeakRssKb(service.Id);

        var lines = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => CountLinesAsync(client, url)));

        var peak = Binaries.PeakRssKb(service.Id);
        Binaries.KillHard(service);
        Assert.All(lines, count => Assert.Equal(Rows + 1, count));
        Figures.Record("50 concurrent CSV downloads", new Dictionary<string, object>
        {
            ["rows_each"] = Rows, ["downloads"] = 50, ["peak_rss_mb_before"] = baseline / 1024, ["peak_rss_mb_after"] = peak / 1024,
        });
        Assert.True(peak - baseline < 40 * 1024, $"peak RSS grew from {baseline / 1024} MB to {peak / 1024} MB");
        if (Binaries.IsAot)
        {
            Binaries.AssertWithinBudget(peak, "CSV downloads");
        }
    }

    /// <summary>Reads the whole body as a stream, counting CRLF rows, holding nothing.</summary>
    private static async Task<int> CountLinesAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        int read, lines = 0;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }
        return lines;
    }


    public void Dispose() => _root.Dispose();
}
