using System.Net;
using System.Net.Http.Json;

namespace D3kos.Backup.Tests;

/// <summary>Regression tests of the security review's low findings: modes, links in the backups folder, sizes, device-local files.</summary>
public sealed class HardeningTests : IAsyncLifetime
{
    private const string Name = "d3kos_backup_20260101_000000.tar.gz";
    private readonly BoatRoot _boat = new();
    private BackupApiApp _app = null!;
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _app = new BackupApiApp(_boat.Settings());
        _client = _app.CreateClient();
        return ValueTask.CompletedTask;
    }

    private string Archive => Path.Combine(_boat.BackupsFolder, Name);

    [Fact]
    public async Task A_restore_as_root_brings_back_no_setuid_setgid_or_sticky_bit_and_no_world_writable_folder()
    {
        Directory.CreateDirectory(_boat.BackupsFolder);
        new ArchiveBuilder()
            .Folder("opt/d3kos/config/", (UnixFileMode)Convert.ToInt32("1777", 8))
            .File("opt/d3kos/config/tool", "#!/bin/sh\n"u8.ToArray(), mode: (UnixFileMode)Convert.ToInt32("6755", 8))
            .File("opt/d3kos/config/open.json", "{}"u8.ToArray(), mode: (UnixFileMode)Convert.ToInt32("0666", 8))
            .Write(Archive);

        await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Name, confirm = true }, cancellationToken: TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.Equal("755", Octal(File.GetUnixFileMode(_boat.Root.At("/opt/d3kos/config/tool"))));
        Assert.Equal("664", Octal(File.GetUnixFileMode(_boat.Root.At("/opt/d3kos/config/open.json"))));
        Assert.Equal("775", Octal(File.GetUnixFileMode(_boat.Root.At("/opt/d3kos/config"))));
    }

    [Fact]
    public async Task Backups_are_owner_only_whatever_the_umask()
    {
        var created = await _client.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.Equal("700", Octal(File.GetUnixFileMode(_boat.BackupsFolder)));
        Assert.Equal("600", Octal(File.GetUnixFileMode(Path.Combine(_boat.BackupsFolder, created.GetProperty("backup_file").GetString()!))));
    }

    [Fact]
    public async Task A_symlink_named_like_a_backup_is_neither_listed_nor_served()
    {
        Directory.CreateDirectory(_boat.BackupsFolder);
        File.CreateSymbolicLink(Archive, _boat.Root.At("/opt/d3kos/config/api-keys.json"));

        var list = await _client.GetAsync("/api/backup/list", TestContext.Current.CancellationToken).OkJsonAsync();
        using var download = await _client.GetAsync($"/api/backup/download/{Name}", TestContext.Current.CancellationToken);

        Assert.Equal(0, list.GetArrayLength());
        await Json.AssertProblemAsync(download, 404);
        Assert.DoesNotContain("sk-test", await download.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_larger_than_its_manifest_entry_is_refused_before_it_is_written()
    {
        Directory.CreateDirectory(_boat.BackupsFolder);
        new ArchiveBuilder().Folder("opt/d3kos/config/").File("opt/d3kos/config/big.bin", new byte[256 * 1024], claimedSize: 10).Write(Archive);
        var before = TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);

        using var response = await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Name, confirm = true }, cancellationToken: TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 422, "262144 bytes where the manifest says 10");
        TreeSnapshot.AssertSame(before, TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder));
    }

    [Fact]
    public void This_devices_access_token_stays_across_a_restore_of_a_backup_with_another_or_none()
    {
        // The library, as the CLI uses it: over HTTP the token file would guard the calls themselves.
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var token = _boat.Root.At("/opt/d3kos/config/api-token");
        var beforeInstall = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName; // made before install: no token in it
        // A backup made before tokens were left out of backups holds one.
        var withOldToken = "d3kos_backup_20250101_000000.tar.gz";
        new ArchiveBuilder().Folder("opt/d3kos/config/").File("opt/d3kos/config/api-token", "old-token\n")
            .Write(Path.Combine(_boat.BackupsFolder, withOldToken));
        File.WriteAllText(token, "current-token\n");
        File.SetUnixFileMode(token, (UnixFileMode)Convert.ToInt32("640", 8));

        manager.RestoreKept(withOldToken, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("current-token\n", File.ReadAllText(token));
        manager.RestoreKept(beforeInstall, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("current-token\n", File.ReadAllText(token));
        Assert.Equal("640", Octal(File.GetUnixFileMode(token)));
        Assert.Equal(["/opt/d3kos/config/api-token", "/opt/d3kos/config/api-token.sha256", "/opt/d3kos/config/backup-passphrase", "/var/lib/d3kos/central-secret-key"], DeviceLocalFiles.PiPaths);
    }

    [Fact]
    public void The_access_token_and_its_hash_are_never_inside_a_backup()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        _boat.Root.Write("/opt/d3kos/config/api-token", "the-key-to-the-whole-boat\n");
        _boat.Root.Write("/opt/d3kos/config/api-token.sha256", "sha256:0123\n");

        var listed = BoatRoot.Tar("tzf", manager.Create(cancellationToken: TestContext.Current.CancellationToken).Path);

        Assert.Contains("opt/d3kos/config/user-preferences.json", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("api-token", listed, StringComparison.Ordinal);
    }

    [Fact]
    public void The_exports_secret_key_stays_out_of_a_backup_and_a_restore_of_a_wider_source_keeps_it()
    {
        // An owner who backs up /var/lib/d3kos too: the key for the fleet's bucket must neither travel in the
        // backup nor vanish when the folder is restored (the export manager would then refuse to start).
        var (manager, services) = Library.Create(_boat.Settings(("Backup:Sources:0", "/var/lib/d3kos/"), ("Backup:Sources:1", "/opt/d3kos/config/")));
        using var _ = services;
        var secret = _boat.Root.At(D3kos.Common.Storage.CentralSecret.PiFile);
        D3kos.Common.Storage.CentralSecret.Write(secret, "fleet-bucket-secret-key", groupId: null);
        File.WriteAllText(_boat.Root.At("/var/lib/d3kos/notes.txt"), "the boat's own notes");
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;

        var members = BoatRoot.Tar("tzf", Path.Combine(_boat.BackupsFolder, backup));
        manager.RestoreKept(backup, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains("var/lib/d3kos/notes.txt", members, StringComparison.Ordinal);
        Assert.DoesNotContain("central-secret-key", members, StringComparison.Ordinal);
        Assert.Equal("fleet-bucket-secret-key", File.ReadAllText(secret));
        Assert.Equal("600", Octal(File.GetUnixFileMode(secret)));
    }

    [Fact]
    public void Browser_sessions_are_outside_every_backup_and_a_restore_leaves_them_as_they_are()
    {
        // The owner restores from the page: the restore must not sign that browser out, bring back sessions
        // ended meanwhile (a lost phone signed out), or a pairing code already used.
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var sessions = _boat.Root.At(D3kos.Common.Security.AuthOptions.SessionsFolder);
        string old = new('b', 64), live = new('a', 64);
        Directory.CreateDirectory(sessions);
        File.WriteAllText(Path.Combine(sessions, old), "1 old");
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        File.Delete(Path.Combine(sessions, old));
        File.WriteAllText(Path.Combine(sessions, live), "2 live");

        var members = BoatRoot.Tar("tzf", Path.Combine(_boat.BackupsFolder, backup));
        manager.RestoreKept(backup, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.DoesNotContain(BackupOptions.DefaultSources, source => (D3kos.Common.Security.AuthOptions.SessionsFolder + "/").StartsWith(source, StringComparison.Ordinal));
        Assert.DoesNotContain(BackupOptions.DefaultSources, source => (D3kos.Common.Security.AuthOptions.PairingFolder + "/").StartsWith(source, StringComparison.Ordinal));
        Assert.DoesNotContain("sessions", members, StringComparison.Ordinal);
        Assert.Equal([live], Directory.GetFiles(sessions).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Hard_links_come_back_as_links_not_as_copies_of_the_file_each()
    {
        // A thousand links to one large file would otherwise write a thousand times its size.
        var big = _boat.Root.At("/opt/d3kos/data/big.bin");
        File.WriteAllBytes(big, new byte[1024 * 1024]);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(D3kos.Common.Interop.UnixFile.TryHardLink(big, big + "." + i, out _));
        }
        Directory.CreateDirectory(_boat.BackupsFolder);
        BoatRoot.Tar("czf", Archive, "-C", _boat.Root.Path, "opt/d3kos/config", "opt/d3kos/data"); // a legacy backup: GNU tar stores links
        foreach (var link in Directory.GetFiles(Path.GetDirectoryName(big)!, "big.bin.*"))
        {
            File.Delete(link);
        }

        await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Name, confirm = true, accept_no_checksums = true }, cancellationToken: TestContext.Current.CancellationToken).OkJsonAsync();

        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%h", big]) { RedirectStandardOutput = true })!;
        Assert.Equal("51", stat.StandardOutput.ReadToEnd().Trim());
    }

    [Theory]
    [InlineData("/api/backup/list")]
    [InlineData("/health")]
    public async Task Head_answers_as_get_does_not_405(string url)
    {
        // Kestrel leaves the body out for HEAD (the end-to-end run checks that through nginx); the
        // in-process test server does not, so only the status is asserted here.
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Head_on_a_download_gives_its_length()
    {
        var created = await _client.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken).OkJsonAsync();
        var name = created.GetProperty("backup_file").GetString();

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/backup/download/{name}"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(created.GetProperty("size_bytes").GetInt64(), response.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("d3kos_backup_٢٠٢٦٠١٠١_000000.tar.gz")]
    [InlineData("d3kos_backup_20260101_٠٠٠٠٠٠.tar.gz")]
    public async Task Backup_names_take_ascii_digits_only(string name)
    {
        using var response = await _client.GetAsync($"/api/backup/verify/{Uri.EscapeDataString(name)}", TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 400, "not a backup file name");
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8);

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        _boat.Dispose();
    }
}
