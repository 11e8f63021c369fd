using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>
/// A folder tree nested deeper than the soft limit of open files: the backup's walks and the restore hold
/// one descriptor per folder level, and Native AOT does not raise the soft limit as the JIT runtime does
/// (systemd gives a service 1024). A plugin under /home/d3kos/.signalk could make such a tree; it must not
/// stop every backup. The CLI runs here with a soft limit of 64 and a tree 100 folders deep (both walks
/// of a backup hold their levels at once).
/// </summary>
public sealed class DeepTreeTests : IDisposable
{
    private const int Depth = 100; // within a restore's 128 names, above the soft limit below
    private readonly TempRoot _root = new();

    [Fact]
    public async Task A_tree_deeper_than_the_open_file_limit_is_backed_up_and_restored()
    {
        BoatForFaults.Seed(_root, imageMegabytes: 0);
        var deepest = _root.At("/home/d3kos/.signalk/node_modules/deep" + string.Concat(Enumerable.Repeat("/d", Depth)));
        Directory.CreateDirectory(deepest);
        var file = Path.Combine(deepest, "index.js");
        File.WriteAllText(file, "module.exports = 'deep';");
        var environment = BoatForFaults.Environment(_root);

        Assert.Equal(0, await Binaries.RunWithOpenFileLimitAsync(64, environment, "create"));
        var backup = Path.GetFileName(Directory.GetFiles(_root.At("/opt/d3kos/backups"), "d3kos_backup_*.tar.gz").Single());
        File.WriteAllText(file, "changed");
        Directory.CreateDirectory(Path.Combine(deepest, "added"));
        Assert.Equal(0, await Binaries.RunWithOpenFileLimitAsync(64, environment, "restore", backup, "--yes"));

        Assert.Equal("module.exports = 'deep';", File.ReadAllText(file));
        Assert.False(Directory.Exists(Path.Combine(deepest, "added")));
    }

    public void Dispose() => _root.Dispose();
}
