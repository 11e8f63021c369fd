using System.Diagnostics;
using D3kos.Common.Files;
using D3kos.Common.Interop;

namespace D3kos.Backup.Tests;

/// <summary>
/// What the d3kos user can put in /home/d3kos/.signalk, a backup source, to stop or subvert root's backups:
/// a FIFO named like a database (with a -wal beside it, so the companion check opens the "database") and a
/// link named like one pointing at it,
/// names that are not UTF-8 and decode to the same string, and folders nested deeper than a restore takes.
/// Each backup must finish, leave out what it cannot archive faithfully, and restore.
/// </summary>
public sealed class HostileTreeTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Fact]
    public async Task A_fifo_named_like_a_database_neither_hangs_nor_stops_the_backup()
    {
        var plugins = _boat.Root.At("/home/d3kos/.signalk");
        Run("mkfifo", Path.Combine(plugins, "trap.db"));
        File.WriteAllText(Path.Combine(plugins, "trap.db-wal"), "x");
        File.CreateSymbolicLink(Path.Combine(plugins, "link.db"), "trap.db");
        File.WriteAllText(Path.Combine(plugins, "link.db-journal"), "x");
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        // A blocking open of the FIFO would never return: the test would time out here.
        var backup = await Task.Run(() => manager.Create(), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        var verified = manager.Verify(backup.FileName, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(verified.Valid, string.Join("; ", verified.Errors));
        var members = ArchiveMembers(backup.Path);
        Assert.DoesNotContain("home/d3kos/.signalk/trap.db", members);
        Assert.Contains("home/d3kos/.signalk/trap.db-wal", members); // not a database's companion: a plain file
        Assert.Contains("home/d3kos/.signalk/link.db", members);     // the link itself, never what it points to (the FIFO)
    }

    [Fact]
    public void What_a_restore_would_refuse_is_left_out_so_the_backup_still_restores()
    {
        var plugins = _boat.Root.At("/home/d3kos/.signalk");
        var outside = _boat.Root.At("/etc/secret");
        Directory.CreateDirectory(outside);
        // A link out of its source (npm link does this), a name with a control character, a link that
        // would lie on the way of an earlier link's target (a -> z/q is written before z -> .).
        File.CreateSymbolicLink(Path.Combine(plugins, "linked-plugin"), outside);
        File.WriteAllText(Path.Combine(plugins, "tab\tname.js"), "x");
        File.CreateSymbolicLink(Path.Combine(plugins, "a"), "z/q");
        File.CreateSymbolicLink(Path.Combine(plugins, "z"), ".");
        File.WriteAllText(Path.Combine(plugins, "kept.js"), "kept");
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var verified = manager.Verify(backup.FileName, cancellationToken: TestContext.Current.CancellationToken);
        manager.RestoreKept(backup.FileName, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(verified.Valid, string.Join("; ", verified.Errors));
        var members = ArchiveMembers(backup.Path);
        Assert.DoesNotContain("home/d3kos/.signalk/linked-plugin", members);
        Assert.DoesNotContain("home/d3kos/.signalk/tab\tname.js", members);
        Assert.Contains("home/d3kos/.signalk/a", members);
        Assert.DoesNotContain("home/d3kos/.signalk/z", members);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(plugins, "kept.js")));
    }

    [Fact]
    public void A_single_file_source_behind_a_symlinked_folder_is_not_followed_and_stops_nothing()
    {
        var home = _boat.Root.At("/home/d3kos");
        var elsewhere = _boat.Root.At("/root/flows");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, "flows.json"), "root's flows");
        Directory.Delete(Path.Combine(home, ".node-red"), recursive: true);
        File.CreateSymbolicLink(Path.Combine(home, ".node-red"), elsewhere);
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains("/home/d3kos/.node-red/flows.json", backup.SourcesSkipped);
        Assert.DoesNotContain("home/d3kos/.node-red/flows.json", ArchiveMembers(backup.Path));
        Assert.True(manager.Verify(backup.FileName, cancellationToken: TestContext.Current.CancellationToken).Valid);
    }

    [Fact]
    public void Names_that_are_not_utf8_are_left_out_and_the_backup_still_restores()
    {
        var plugins = _boat.Root.At("/home/d3kos/.signalk");
        // Three names a lenient decoder makes one: "a\uFFFD". Archived three times, a restore would refuse the backup.
        Run("bash", "-c", $"cd '{plugins}' && touch $'a\\xff' $'a\\xfe' $'a\\xef\\xbf\\xbd'");
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        manager.RestoreKept(backup.FileName, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains("home/d3kos/.signalk/a\uFFFD", ArchiveMembers(backup.Path)); // the valid one, once
        Assert.True(File.Exists(Path.Combine(plugins, "a\uFFFD")));
    }

    [Fact]
    public void Folders_nested_deeper_than_a_restore_takes_are_left_out()
    {
        var plugins = _boat.Root.At("/home/d3kos/.signalk");
        var deep = Path.Combine(plugins, string.Join('/', Enumerable.Repeat("d", EntryPolicy.MaxDepth + 10)));
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "deepest.js"), "x");
        File.WriteAllText(Path.Combine(plugins, "d", "shallow.js"), "x");
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        Directory.Delete(Path.Combine(plugins, "d"), recursive: true);
        manager.RestoreKept(backup.FileName, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        var members = ArchiveMembers(backup.Path);
        Assert.Contains("home/d3kos/.signalk/d/shallow.js", members);
        Assert.DoesNotContain(members, m => m.EndsWith("/deepest.js", StringComparison.Ordinal));
        Assert.All(members, m => Assert.True(m.Count(c => c == '/') < EntryPolicy.MaxDepth, m));
        Assert.True(File.Exists(Path.Combine(plugins, "d", "shallow.js")));
    }

    [Fact]
    public void A_chain_of_folders_far_deeper_than_any_path_is_removed_without_recursing_that_deep()
    {
        // 20,000 levels: made one folder at a time relative to the last, as a user can with mkdir and cd.
        var top = _boat.Root.At("/work");
        Directory.CreateDirectory(top);
        Assert.True(FolderHandle.TryOpen(top, out var folder));
        for (var level = 0; level < 20_000; level++)
        {
            var next = folder.MakeFolder("d");
            folder.Dispose();
            folder = next;
        }
        File.WriteAllBytes(Path.Combine(folder.ProcPath, "x\u00e9"), [1]);
        folder.Dispose();
        Run("bash", "-c", $"cd '{top}' && touch $'bad\\xff'");

        TreeRemoval.Remove(top);

        Assert.False(Path.Exists(top));
    }

    /// <summary>The archive's member names (folders without their trailing slash), as .NET's tar reader reads them.</summary>
    private static HashSet<string> ArchiveMembers(string archive)
    {
        using var file = File.OpenRead(archive);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        using var tar = new System.Formats.Tar.TarReader(gzip);
        var members = new HashSet<string>(StringComparer.Ordinal);
        while (tar.GetNextEntry() is { } entry)
        {
            members.Add(entry.Name.TrimEnd('/'));
        }
        return members;
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args))!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose() => _boat.Dispose();
}
