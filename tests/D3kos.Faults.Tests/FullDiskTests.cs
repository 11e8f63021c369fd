using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using D3kos.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace D3kos.Faults.Tests;

/// <summary>A disk that fills up: answers say so, nothing half-written is left, nothing old is lost.</summary>
public sealed class FullDiskTests
{
    [Fact]
    public async Task Backup_on_a_disk_that_fills_up_returns_507_and_keeps_the_old_backup()
    {
        using var disk = SmallDisk.Mount(megabytes: 48);
        var root = new TempRootAt(disk.Path);
        root.Write("/opt/d3kos/config/license.json", """{"installation_id":"0123456789abcdef","tier":1}""");
        var images = root.At("/opt/d3kos/data/images");
        Directory.CreateDirectory(images);
        for (var i = 0; i < 12; i++)
        {
            File.WriteAllBytes(Path.Combine(images, $"capture_{i}.jpg"), RandomNumberGenerator.GetBytes(1024 * 1024));
        }
        var environment = new Dictionary<string, string> { ["D3KOS_FS_ROOT"] = disk.Path, ["Backup__FreeSpaceMarginBytes"] = "0" };
        Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "create"));
        var backups = root.At("/opt/d3kos/backups");
        var old = Directory.GetFiles(backups, "*.tar.gz").Single();
        var oldHash = SHA256.HashData(File.ReadAllBytes(old));

        // Room for the uncompressed estimate but not for the archive (random bytes grow a little in
        // gzip, and tar adds headers): the disk fills while the archive is written.
        var estimate = Directory.GetFiles(root.At("/opt/d3kos"), "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(backups, StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length);
        var filler = disk.Fill(leaveFree: estimate + 8192);
        var whileFilling = await Binaries.RunAsync("d3kos-backup", environment, "create");

        File.Delete(filler);
        var precheck = disk.Fill(leaveFree: estimate / 2);
        var refusedEarly = await Binaries.RunAsync("d3kos-backup", environment, "create");
        File.Delete(precheck);

        Assert.Equal(5, whileFilling);   // exit code 5: not enough disk space
        Assert.Equal(5, refusedEarly);
        Assert.Empty(Directory.GetFiles(backups, "*.partial"));
        Assert.Equal(old, Directory.GetFiles(backups, "*.tar.gz").Single());
        Assert.Equal(oldHash, SHA256.HashData(File.ReadAllBytes(old)));
        Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "create"));
        Figures.Record("backup on a full disk", new Dictionary<string, object> { ["tmpfs_mb"] = 48, ["exit_while_filling"] = whileFilling, ["exit_precheck"] = refusedEarly, ["partial_left"] = 0 });
    }

    [Fact]
    public async Task Queue_on_a_full_disk_answers_with_an_error_keeps_the_queue_and_resumes()
    {
        using var disk = SmallDisk.Mount(megabytes: 16);
        var root = new TempRootAt(disk.Path);
        root.Write("/opt/d3kos/config/license.json", """{"installation_id":"0123456789abcdef","tier":1}""");
        await using var app = new ExportManagerOn(disk.Path);
        var client = app.CreateClient();
        var first = await (await client.PostAsync("/export/boatlog", null, TestContext.Current.CancellationToken)).Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken);
        var queueFile = root.At("/opt/d3kos/data/exports/export_queue.json");
        await Eventually.TrueAsync(async () => (await client.GetFromJsonAsync<JsonElement>("/export/status")).GetProperty("queue").GetProperty("completed").GetInt32() == 1, "the first export is delivered");
        var queueBefore = File.ReadAllBytes(queueFile);

        var filler = disk.Fill(leaveFree: 0);
        using var refused = await client.PostAsync("/export/boatlog", null, TestContext.Current.CancellationToken);
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken);
        var queueAfterRefusal = File.ReadAllBytes(queueFile);
        var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        File.Delete(filler);
        var resumed = await client.PostAsync("/export/boatlog", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        Assert.Equal(queueBefore, queueAfterRefusal); // the refused export left the queue file as it was
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Contains("disk is full", body.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(resumed.IsSuccessStatusCode);
        await Eventually.TrueAsync(async () => (await client.GetFromJsonAsync<JsonElement>("/export/status")).GetProperty("queue").GetProperty("completed").GetInt32() == 2, "the export after the disk was freed is delivered");
        Assert.NotNull(first.GetProperty("queue_id").GetString());
        Assert.NotEmpty(queueBefore);
        Figures.Record("queue on a full disk", new Dictionary<string, object> { ["status_when_full"] = (int)refused.StatusCode, ["resumed"] = true, ["entries_lost"] = 0 });
    }

    /// <summary>Paths as on the Pi under a given root.</summary>
    private sealed class TempRootAt(string root)
    {
        public string At(string piPath) => Path.Join(root, piPath.TrimStart('/'));

        public void Write(string piPath, string content)
        {
            var path = At(piPath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }
    }

    private sealed class ExportManagerOn(string root) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("D3KOS_FS_ROOT", root);
            builder.UseSetting("Auth:AllowUnauthenticatedLoopback", "true");
        }
    }
}
