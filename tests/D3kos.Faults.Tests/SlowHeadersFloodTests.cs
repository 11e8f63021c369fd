using System.Net;
using System.Net.Sockets;
using System.Text;
using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>
/// A local user (or anything on the loopback port) opens thousands of connections, each sending 24 KB of
/// headers and never finishing the request. Such a flood once took the backup API from 90 MB past its
/// MemoryMax; now the port holds a bounded number of connections with bounded headers, so memory does not
/// grow with their number, and the owner's page, which comes through nginx's socket, is answered all the while.
/// </summary>
public sealed class SlowHeadersFloodTests : IDisposable
{
    private const int Connections = 10000;

    /// <summary>Connections after which the first peak is taken: growth beyond it would be growth per connection.</summary>
    private const int Warmed = 1000;
    private const int HeaderBytes = 24 * 1024;
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);
    private readonly string _nginxSocket = Path.Combine(Path.GetTempPath(), $"d3kos-flood-{Guid.NewGuid():N}.sock");

    [Fact]
    public async Task Thousands_of_half_sent_requests_leave_memory_flat_and_the_page_answered()
    {
        var port = Binaries.FreePort();
        using var service = await Binaries.StartBackupApiAsync(_root, port, _nginxSocket);
        var baseline = Binaries.PeakRssKb(service.Id);
        var headers = Encoding.ASCII.GetBytes("GET /api/backup/list HTTP/1.1\r\nHost: helm\r\n" + string.Concat(Enumerable.Range(0, HeaderBytes / 1024).Select(i => $"X-Filler-{i:000}: {new string('a', 1000)}\r\n")));
        var held = new List<Socket>();
        var owner = new List<HttpStatusCode>();
        var warmed = 0L;
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                held.Add(socket);
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
                    await socket.SendAsync(headers, SocketFlags.None, TestContext.Current.CancellationToken);
                }
                catch (SocketException)
                {
                    // The service closed it: past the port's cap, which is the point.
                }
                if (i % 500 == 0)
                {
                    owner.Add(await OwnerThroughNginxAsync());
                }
                if (i == Warmed)
                {
                    warmed = Binaries.PeakRssKb(service.Id);
                }
            }
            owner.Add(await OwnerThroughNginxAsync());
        }
        finally
        {
            var peak = Binaries.PeakRssKb(service.Id);
            held.ForEach(socket => socket.Dispose());
            Binaries.KillHard(service);
            Figures.Record($"{Connections} connections with {HeaderBytes / 1024} KB of unfinished headers", new Dictionary<string, object>
            {
                ["peak_rss_mb_before"] = baseline / 1024, [$"peak_rss_mb_after_{Warmed}"] = warmed / 1024, ["peak_rss_mb_after"] = peak / 1024,
            });
            // Each connection once kept about 60 KB for good (8,000 of them took the service past 512 MB): now
            // what they hold levels off, and stays within half the unit's MemoryMax of 256 MB.
            Binaries.AssertWithinBudget(peak, $"the backup API after {Connections} unfinished requests", budgetKb: 128 * 1024);
        }
        Assert.All(owner, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    /// <summary>The owner's page asking for the list, as nginx passes it on: through the service's Unix socket.</summary>
    private async Task<HttpStatusCode> OwnerThroughNginxAsync()
    {
        using var nginx = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(_nginxSocket), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://helm/api/backup/list") { Headers = { { "X-Forwarded-For", "192.168.4.10" } } };
        using var response = await nginx.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    public void Dispose()
    {
        _root.Dispose();
        File.Delete(_nginxSocket);
    }
}
