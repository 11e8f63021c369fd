using System.Net;
using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>
/// A guest on the boat's Wi-Fi floods the restore endpoint with large bodies and no token. The token
/// is checked before any body is read and every body but an upload's is capped at 64 KiB, so the
/// service's memory stays where it was (it once went from 118 MB to 1.38 GB, past the unit's 256 MB).
/// </summary>
public sealed class UnauthenticatedFloodTests : IDisposable
{
    private const int Requests = 20;
    private const int BodyBytes = 29 * 1024 * 1024;
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    [Fact]
    public async Task Twenty_29MB_bodies_without_a_token_leave_memory_flat()
    {
        var port = Binaries.FreePort();
        using var service = await Binaries.StartBackupApiAsync(_root, port);
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var baseline = Binaries.PeakRssKb(service.Id);
        // A JSON body that parses as far as it goes: '{"backup_file":"aaaa…'.
        var body = new byte[BodyBytes];
        Array.Fill(body, (byte)'a');
        "{\"backup_file\":\""u8.CopyTo(body);

        var statuses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async _ =>
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/json");
                using var response = await client.PostAsync($"http://127.0.0.1:{port}/api/backup/restore", content);
                return (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return 0; // the server may close the connection instead of reading 29 MB it does not want
            }
        }));

        var peak = Binaries.PeakRssKb(service.Id);
        using var health = await client.GetAsync($"http://127.0.0.1:{port}/health", TestContext.Current.CancellationToken);
        Binaries.KillHard(service);
        Figures.Record("20 unauthenticated 29 MB restore bodies", new Dictionary<string, object>
        {
            ["peak_rss_mb_before"] = baseline / 1024, ["peak_rss_mb_after"] = peak / 1024,
            ["answers"] = string.Join(",", statuses.Order().Distinct()),
        });
        Assert.All(statuses, status => Assert.True(status is 401 or 0, $"answered {status}"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(peak - baseline < 20 * 1024, $"peak RSS grew from {baseline / 1024} MB to {peak / 1024} MB");
    }


    public void Dispose() => _root.Dispose();
}
