using System.Net.Http.Json;
using System.Text.Json;

namespace D3kos.Backup.Tests;

public sealed class RestoreTests : IAsyncLifetime
{
    private readonly BoatRoot _boat = new();
    private BackupApiApp _app = null!;
    private HttpClient _client = null!;
    private string _name = null!;
    private SortedDictionary<string, string> _atBackup = null!;

    public async ValueTask InitializeAsync()
    {
        _app = new BackupApiApp(_boat.Settings());
        _client = _app.CreateClient();
        _name = (await _client.PostAsync("/api/backup/create", null).OkJsonAsync()).GetProperty("backup_file").GetString()!;
        _atBackup = LiveTree();
        // Temporary files are never backed up, so a restore does not bring them back.
        _atBackup.Remove("opt/d3kos/config/.settings.json.1234.tmp");
    }

    private SortedDictionary<string, string> LiveTree() =>
        TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);

    private static object Request(string file, bool confirm = true, bool replaceId = false) =>
        new { backup_file = file, confirm, replace_installation_id = replaceId };

    [Fact]
    public async Task Restore_without_confirm_returns_400_and_changes_nothing()
    {
        _boat.Root.Write("/var/www/html/index.html", "changed");
        var before = LiveTree();

        using var response = await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = _name }, cancellationToken: TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 400, "confirm");
        TreeSnapshot.AssertSame(before, LiveTree());
        Assert.Empty(_boat.ServiceCommands);
    }

    [Fact]
    public async Task Restore_puts_back_the_backed_up_state_and_restarts_services()
    {
        _boat.Root.Write("/var/www/html/index.html", "changed after the backup");
        _boat.Root.Write("/opt/d3kos/config/added-later.json", "{}");
        File.Delete(_boat.Root.At("/home/d3kos/.node-red/flows.json"));

        var result = await _client.PostAsJsonAsync("/api/backup/restore", Request(_name), cancellationToken: TestContext.Current.CancellationToken).OkJsonAsync();
        Assert.Contains(result.GetProperty("safety_backup_state").GetString(), new[] { "writing", "kept" });
        _app.WaitForOldStateKept();

        TreeSnapshot.AssertSame(_atBackup, LiveTree());
        Assert.Equal(["stop d3kos-export-manager", "stop signalk", "start d3kos-export-manager", "start signalk"], _boat.ServiceCommands);
        var safety = result.GetProperty("safety_backup").GetString()!;
        Assert.StartsWith("d3kos_prerestore_", safety, StringComparison.Ordinal);
        Assert.Contains("changed after the backup", BoatRoot.Tar("xzOf", Path.Combine(_boat.BackupsFolder, safety), "var/www/html/index.html"), StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(_boat.Root.At("/opt/d3kos"), ".d3kos-restore-*"));
        Assert.False(File.Exists(Path.Combine(_boat.BackupsFolder, ".restore-journal.json")));
    }

    [Fact]
    public async Task Restore_keeps_this_boats_installation_id_unless_asked_to_replace_it()
    {
        var license = _boat.Root.At("/opt/d3kos/config/license.json");
        _boat.Root.WithLicense(tier: 2, installationId: "cccccccccccccccc");

        var kept = await _client.PostAsJsonAsync("/api/backup/restore", Request(_name), cancellationToken: TestContext.Current.CancellationToken).OkJsonAsync();
        Assert.True(kept.GetProperty("installation_id_kept").GetBoolean());
        using (var restored = JsonDocument.Parse(File.ReadAllText(license)))
        {
            Assert.Equal("cccccccccccccccc", restored.RootElement.GetProperty("installation_id").GetString());
            Assert.Equal(1, restored.RootElement.GetProperty("tier").GetInt32());
        }

        _boat.Root.WithLicense(tier: 2, installationId: "cccccccccccccccc");
        await _client.PostAsJsonAsync("/api/backup/restore", Request(_name, replaceId: true), cancellationToken: TestContext.Current.CancellationToken).OkJsonAsync();
        using var replaced = JsonDocument.Parse(File.ReadAllText(license));
        Assert.Equal("aaaaaaaaaaaaaaaa", replaced.RootElement.GetProperty("installation_id").GetString());
    }

    [Fact]
    public async Task Restore_that_fails_during_the_swap_rolls_back_everything_and_starts_services()
    {
        // The stop command sabotages the last source's unpacked copy: the swap fails after the
        // first sources went live, which is the case a rollback exists for.
        File.WriteAllText(_boat.ServiceCommand, $"""
            #!/bin/sh
            echo "$1 $2" >> {_boat.ServiceLog}
            [ "$1" = stop ] && rm -rf {_boat.Root.At("/home/d3kos/.node-red")}/.d3kos-restore-*/new
            exit 0
            """);
        _boat.Root.Write("/var/www/html/index.html", "changed after the backup");
        _boat.Root.Write("/opt/d3kos/config/added-later.json", "{}");
        var before = LiveTree();

        using var response = await _client.PostAsJsonAsync("/api/backup/restore", Request(_name), cancellationToken: TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 500, "put back as it was");
        TreeSnapshot.AssertSame(before, LiveTree());
        Assert.Equal(["start d3kos-export-manager", "start signalk"], _boat.ServiceCommands[^2..]);
        Assert.False(File.Exists(Path.Combine(_boat.BackupsFolder, ".restore-journal.json")));
    }

    [Fact]
    public async Task Restore_of_a_truncated_archive_is_refused_before_anything_is_touched()
    {
        var path = Path.Combine(_boat.BackupsFolder, _name);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        _boat.Root.Write("/var/www/html/index.html", "changed");
        var before = LiveTree();

        using var response = await _client.PostAsJsonAsync("/api/backup/restore", Request(_name), cancellationToken: TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 422, "nothing was changed");
        TreeSnapshot.AssertSame(before, LiveTree());
        Assert.Empty(_boat.ServiceCommands);
        Assert.Single(Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz"));
    }

    [Theory]
    [InlineData("{\"backup_file\": ")]
    [InlineData("[1,2,3]")]
    [InlineData("not json")]
    public async Task Restore_WithMalformedJson_Returns400(string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync("/api/backup/restore", content, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 400);
    }

    [Fact]
    public async Task Restore_with_wrong_content_type_returns_415()
    {
        using var content = new StringContent($"backup_file={_name}&confirm=true", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");

        using var response = await _client.PostAsync("/api/backup/restore", content, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 415);
    }

    [Fact]
    public async Task Restore_with_traversal_name_returns_400()
    {
        using var response = await _client.PostAsJsonAsync("/api/backup/restore", Request("../config/license.json"), cancellationToken: TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 400, "not a backup file name");
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        _boat.Dispose();
    }
}
