using System.Net.Http.Json;

namespace D3kos.Backup.Tests;

/// <summary>
/// Backups made by d3kOS v0.9.1.2's create-backup.sh (plain <c>tar czf</c> of the sources from /,
/// same name pattern, no manifest) are a kind of their own: listed as "legacy", verified as far as
/// they can be, restored through the same checked, staged and journalled path once the owner accepts
/// that they carry no per-file checksums, and never counted by retention.
/// </summary>
public sealed class LegacyBackupTests : IAsyncLifetime
{
    private const string Name = "d3kos_backup_20260210_081500.tar.gz";
    private readonly BoatRoot _boat = new();
    private BackupApiApp _app = null!;
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _app = new BackupApiApp(_boat.Settings());
        _client = _app.CreateClient();
        return ValueTask.CompletedTask;
    }

    private string LegacyPath => Path.Combine(_boat.BackupsFolder, Name);

    /// <summary>As the old script did it: GNU tar over the sources that exist, from the root.</summary>
    private void MakeLegacyBackup(string? path = null)
    {
        Directory.CreateDirectory(_boat.BackupsFolder);
        string[] sources = ["opt/d3kos/config", "opt/d3kos/data", "var/www/html", "home/d3kos/.signalk", "home/d3kos/.node-red/flows.json"];
        BoatRoot.Tar(["czf", path ?? LegacyPath, "-C", _boat.Root.Path, .. sources.Where(s => Path.Exists(_boat.Root.At("/" + s)))]);
    }

    [Fact]
    public async Task It_is_listed_as_legacy_and_verifies_with_a_plain_note()
    {
        MakeLegacyBackup();

        var list = await _client.GetAsync("/api/backup/list", TestContext.Current.CancellationToken).OkJsonAsync();
        var verify = await _client.GetAsync($"/api/backup/verify/{Name}", TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.Equal("legacy", list.EnumerateArray().Single(b => b.GetProperty("filename").GetString() == Name).GetProperty("kind").GetString());
        Assert.True(verify.GetProperty("valid").GetBoolean(), verify.ToString());
        Assert.True(verify.GetProperty("legacy").GetBoolean());
        Assert.True(verify.GetProperty("files_checked").GetInt32() >= 6);
        Assert.Contains("no per-file checksums", verify.GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_legacy_backup_fails_the_gzip_checksum()
    {
        MakeLegacyBackup();
        var bytes = File.ReadAllBytes(LegacyPath);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(LegacyPath, bytes);

        var verify = await _client.GetAsync($"/api/backup/verify/{Name}", TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.False(verify.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Restore_needs_the_owner_to_accept_no_checksums_and_then_restores_through_the_safe_path()
    {
        MakeLegacyBackup();
        var original = File.ReadAllText(_boat.Root.At("/var/www/html/index.html"));
        _boat.Root.Write("/var/www/html/index.html", "changed after the upgrade");
        _boat.Root.Write("/opt/d3kos/config/license.json", """{"installation_id":"cccccccccccccccc","tier":1}""");
        var before = TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);

        using var refused = await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Name, confirm = true }, cancellationToken: TestContext.Current.CancellationToken);
        await Json.AssertProblemAsync(refused, 400, "without per-file checksums");
        TreeSnapshot.AssertSame(before, TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder));

        var result = await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Name, confirm = true, accept_no_checksums = true }, cancellationToken: TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.Equal(original, File.ReadAllText(_boat.Root.At("/var/www/html/index.html")));
        Assert.StartsWith("d3kos_prerestore_", result.GetProperty("safety_backup").GetString(), StringComparison.Ordinal);
        // This Pi's installation id is kept, as for any restore.
        Assert.True(result.GetProperty("installation_id_kept").GetBoolean());
        Assert.Contains("cccccccccccccccc", File.ReadAllText(_boat.Root.At("/opt/d3kos/config/license.json")), StringComparison.Ordinal);
        Assert.Contains("stop d3kos-export-manager", _boat.ServiceCommands);
        Assert.Contains("start d3kos-export-manager", _boat.ServiceCommands);
        Assert.Equal(5, result.GetProperty("sources_restored").GetArrayLength());
    }

    [Fact]
    public async Task Retention_never_counts_or_deletes_a_legacy_backup()
    {
        MakeLegacyBackup();

        for (var i = 0; i < 7; i++)
        {
            (await _client.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        var kinds = (await _client.GetAsync("/api/backup/list", TestContext.Current.CancellationToken).OkJsonAsync()).EnumerateArray().Select(b => b.GetProperty("kind").GetString()).ToList();
        Assert.Equal(5, kinds.Count(k => k == "manual"));
        Assert.Equal(1, kinds.Count(k => k == "legacy"));
        Assert.True(File.Exists(LegacyPath));
    }

    [Fact]
    public async Task Upload_of_a_legacy_backup_is_kept_as_legacy()
    {
        var elsewhere = Path.Combine(Path.GetTempPath(), $"legacy-{Guid.NewGuid():N}.tar.gz");
        MakeLegacyBackup(elsewhere);
        try
        {
            using var content = new StreamContent(File.OpenRead(elsewhere));
            content.Headers.ContentType = new("application/gzip");
            var uploaded = await _client.PostAsync("/api/backup/upload", content, TestContext.Current.CancellationToken).OkJsonAsync();

            var name = uploaded.GetProperty("backup_file").GetString();
            var list = await _client.GetAsync("/api/backup/list", TestContext.Current.CancellationToken).OkJsonAsync();
            Assert.Equal("legacy", list.EnumerateArray().Single(b => b.GetProperty("filename").GetString() == name).GetProperty("kind").GetString());
        }
        finally
        {
            File.Delete(elsewhere);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        _boat.Dispose();
    }
}
