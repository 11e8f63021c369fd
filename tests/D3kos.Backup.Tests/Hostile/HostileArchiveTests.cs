using System.Formats.Tar;
using System.Net.Http.Json;

namespace D3kos.Backup.Tests;

/// <summary>Archives built to break out of the restore: each is refused before a byte lands anywhere.</summary>
public sealed class HostileArchiveTests : IAsyncLifetime
{
    private const string Name = "d3kos_backup_20260101_000000.tar.gz";
    private readonly BoatRoot _boat = new();
    private readonly string _outside = Path.Combine(Path.GetTempPath(), $"d3kos-escape-{Guid.NewGuid():N}");
    private BackupApiApp _app = null!;
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _app = new BackupApiApp(_boat.Settings(("Backup:MaxRestoreBytes", "1048576")));
        _client = _app.CreateClient();
        Directory.CreateDirectory(_boat.BackupsFolder);
        return ValueTask.CompletedTask;
    }

    public static TheoryData<string> Cases => [.. Builders.Keys];

    private static Dictionary<string, Func<string, ArchiveBuilder>> Builders => new()
    {
        ["absolute path"] = outside => Base().File(outside + "/owned", "x"),
        ["dot-dot"] = _ => Base().File("opt/d3kos/config/../../../../etc/cron.d/evil", "x"),
        ["outside the sources"] = _ => Base().File("etc/cron.d/evil", "x"),
        ["symlink out, then a file through it"] = outside => Base().Symlink("opt/d3kos/config/out", outside).File("opt/d3kos/config/out/owned", "x"),
        ["relative symlink climbing out"] = _ => Base().Symlink("opt/d3kos/config/up", "../../../../etc"),
        ["chained symlinks climbing out through each other"] = _ => Base().Folder("opt/d3kos/config/a/b/c/")
            .Symlink("opt/d3kos/config/a/b/c/B", "../../..").Symlink("opt/d3kos/config/a/b/c/K", "B/../../../opt/d3kos/config/api-keys.json"),
        // K reads as config/etc/passwd, but once X -> ../.. exists the kernel walks K to /etc/passwd.
        ["a link made after another link that walks through its name"] = _ => Base().Folder("opt/d3kos/config/a/b/")
            .Symlink("opt/d3kos/config/K", "a/b/X/../../../etc/passwd").Symlink("opt/d3kos/config/a/b/X", "../.."),
        ["symlink inside, then a file through it"] = _ => Base().Folder("opt/d3kos/config/sub/").Symlink("opt/d3kos/config/in", "sub").File("opt/d3kos/config/in/x", "x"),
        ["hard link to a file outside"] = _ => Base().HardLink("opt/d3kos/config/shadow", "etc/shadow"),
        // Starts inside the source as text, climbs out as a path: must never reach link(2).
        ["hard link climbing out of its source"] = _ => Base().HardLink("opt/d3kos/config/shadow", "opt/d3kos/config/../../../../etc/shadow"),
        ["hard link through a symlink"] = _ => Base().Folder("opt/d3kos/config/sub/").File("opt/d3kos/config/sub/x", "x")
            .Symlink("opt/d3kos/config/in", "sub").HardLink("opt/d3kos/config/copy", "opt/d3kos/config/in/x"),
        ["character device"] = _ => Base().Special(TarEntryType.CharacterDevice, "opt/d3kos/config/mem"),
        ["block device"] = _ => Base().Special(TarEntryType.BlockDevice, "opt/d3kos/config/sda"),
        ["fifo"] = _ => Base().Special(TarEntryType.Fifo, "opt/d3kos/config/pipe"),
        ["control character in a name"] = _ => Base().File("opt/d3kos/config/evil\u001b[2J.json", "x"),
        // Each level held open while unpacking: depth is bounded, as the backup's walk bounds it.
        ["folders nested deeper than a restore takes"] = _ => Base().File("opt/d3kos/config/" + string.Concat(Enumerable.Repeat("d/", EntryPolicy.MaxDepth)) + "deep.json", "x"),
        ["gzip bomb"] = _ => Base().File("opt/d3kos/config/zeros.bin", new byte[4 * 1024 * 1024]),
        ["manifest lies about a checksum"] = _ => Base().File("opt/d3kos/config/license.json", "{\"tier\":3}", claimedSha256: new string('f', 64)),
        ["file missing from the manifest"] = _ => Base().File("opt/d3kos/config/a.json", "{}").Special(TarEntryType.RegularFile, "opt/d3kos/config/unlisted.json"),
    };

    private static ArchiveBuilder Base() => new ArchiveBuilder().Folder("opt/d3kos/config/").File("opt/d3kos/config/ok.json", "{}");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Restore_of_hostile_archive_is_refused_and_writes_nothing(string hostile)
    {
        Builders[hostile](_outside).Write(Path.Combine(_boat.BackupsFolder, Name));
        var before = TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);

        using var response = await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Name, confirm = true }, cancellationToken: TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 422, "nothing was changed");
        TreeSnapshot.AssertSame(before, TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder));
        Assert.False(Path.Exists(_outside));
        Assert.Empty(_boat.ServiceCommands);
        var verify = await _client.GetAsync($"/api/backup/verify/{Name}", TestContext.Current.CancellationToken).OkJsonAsync();
        Assert.False(verify.GetProperty("valid").GetBoolean());
        // The service keeps serving.
        Assert.Equal(200, (int)(await _client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
    }

    /// <summary>The same hostile entries in a legacy archive (no manifest), confirmed by the owner: still refused.</summary>
    public static TheoryData<string> LegacyCases => [.. Builders.Keys.Where(k => !k.Contains("manifest", StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(LegacyCases))]
    public async Task Restore_of_hostile_legacy_archive_is_refused_and_writes_nothing(string hostile)
    {
        Builders[hostile](_outside).WriteWithoutManifest(Path.Combine(_boat.BackupsFolder, Name));
        var before = TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);

        using var response = await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Name, confirm = true, accept_no_checksums = true }, cancellationToken: TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 422, "nothing was changed");
        TreeSnapshot.AssertSame(before, TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder));
        Assert.False(Path.Exists(_outside));
        Assert.Empty(_boat.ServiceCommands);
        var verify = await _client.GetAsync($"/api/backup/verify/{Name}", TestContext.Current.CancellationToken).OkJsonAsync();
        Assert.False(verify.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Restore_of_a_non_backup_file_is_refused()
    {
        File.WriteAllText(Path.Combine(_boat.BackupsFolder, Name), "this is not gzip at all");

        using var response = await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Name, confirm = true }, cancellationToken: TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 422);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        _boat.Dispose();
        if (Directory.Exists(_outside))
        {
            Directory.Delete(_outside, recursive: true);
        }
    }
}
