using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using D3kos.Testing;
using Microsoft.Data.Sqlite;

namespace D3kos.ExportManager.Tests;

/// <summary>
/// The boat log is written by another program, often in WAL mode; the export manager runs as an
/// unprivileged user that cannot create the database's -shm file. It must still read every row.
/// </summary>
public sealed class WalSourceTests : IDisposable
{
    private const int Rows = 1000;
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    [Fact]
    public async Task A_WAL_boat_log_owned_by_another_user_without_its_shm_is_read_whole_by_an_unprivileged_service()
    {
        Assert.SkipUnless(Environment.UserName == "root" && File.Exists("/usr/bin/setpriv"), "needs root, to run the service as nobody");
        var database = _root.WithBoatlog(Enumerable.Range(1, Rows).Select(i =>
            ((object)(long)i, $"2026-05-01T10:{i / 60 % 60:D2}:{i % 60:D2}", "position", $"fix {i}", (double?)43.5, (double?)-79.5)));
        using (var writer = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            writer.Open();
            using var wal = writer.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode=WAL";
            Assert.Equal("wal", wal.ExecuteScalar());
        }
        Assert.False(File.Exists(database + "-shm"));
        // As on a Pi: the data folder is root's and read-only to the service; only exports/ is its own.
        var exports = _root.At("/opt/d3kos/data/exports");
        Directory.CreateDirectory(exports);
        Process.Start("chown", ["-R", "65534:65534", exports])!.WaitForExit();
        _root.OpenFoldersAbove(Path.GetDirectoryName(database)!);
        File.SetUnixFileMode(Path.GetDirectoryName(database)!, (UnixFileMode)0b111_101_101);
        var port = Loopback.FreePort();
        var start = new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
            Path.Combine(AppContext.BaseDirectory, "d3kos-export-manager"), "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["D3KOS_FS_ROOT"] = _root.Path;
        start.Environment["Auth__AllowUnauthenticatedLoopback"] = "true";
        start.Environment["HOME"] = Path.GetTempPath();
        using var service = Process.Start(start)!;
        service.OutputDataReceived += static (_, _) => { };
        service.ErrorDataReceived += static (_, _) => { };
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilUpAsync(client, service);

            var csv = await client.GetStringAsync("/export/boatlog/csv", TestContext.Current.CancellationToken);
            using var snapshot = await client.PostAsync("/export/boatlog", null, TestContext.Current.CancellationToken);
            var answer = JsonDocument.Parse(await snapshot.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

            Assert.Equal(Rows + 1, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.True(snapshot.IsSuccessStatusCode, answer.ToString());
            Assert.Equal(Rows, answer.GetProperty("entry_count").GetInt32());
            Assert.False(File.Exists(database + "-shm"));
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            await service.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static async Task WaitUntilUpAsync(HttpClient client, Process service)
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(service.HasExited, "the export manager exited during start-up");
            try
            {
                (await client.GetAsync("/health")).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Fail("the export manager did not answer within 30 s");
    }

    public void Dispose() => _root.Dispose();
}
