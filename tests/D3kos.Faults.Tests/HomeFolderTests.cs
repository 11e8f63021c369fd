using System.Net;
using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>The shipped services write only under their root: nothing in the home folder of the user they run as.</summary>
public sealed class HomeFolderTests : IDisposable
{
    private readonly TempRoot _root = new();
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("d3kos-home-");

    [Theory]
    [InlineData("d3kos-export-manager", "/export/queue/process")]
    [InlineData("d3kos-backup-api", "/api/backup/create")]
    public async Task A_service_that_checks_tokens_leaves_no_key_ring_in_its_home_folder(string program, string ownersEndpoint)
    {
        _root.Write("/opt/d3kos/config/api-token", "owner-token-0123456789abcdef\n");
        var port = Binaries.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["D3KOS_FS_ROOT"] = _root.Path,
            ["Backup__ServiceCommand"] = "/bin/true",
            ["HOME"] = _home.FullName,
        };
        using var service = Binaries.Start(program, environment, "--urls", $"http://127.0.0.1:{port}");
        try
        {
            using var client = new HttpClient();
            await Binaries.WaitForHealthAsync(client, port, service);
            // A refused and an accepted token: authentication has run both ways.
            using var refused = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}{ownersEndpoint}") { Headers = { { "Authorization", "Bearer a-guess" } } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(refused, TestContext.Current.CancellationToken)).StatusCode);
            using var accepted = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}{ownersEndpoint}") { Headers = { { "Authorization", "Bearer owner-token-0123456789abcdef" } } };
            Assert.NotEqual(HttpStatusCode.Unauthorized, (await client.SendAsync(accepted, TestContext.Current.CancellationToken)).StatusCode);
        }
        finally
        {
            Binaries.KillHard(service);
        }

        Assert.Empty(_home.EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Select(entry => entry.FullName));
    }

    public void Dispose()
    {
        _root.Dispose();
        _home.Delete(recursive: true);
    }
}
