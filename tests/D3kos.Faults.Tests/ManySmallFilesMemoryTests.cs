using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>
/// A Signal K install's plugin tree (tens of thousands of small files) backed up and restored inside a
/// small memory limit: the CLI runs with a 32 MB GC heap (DOTNET_GCHeapHardLimit), where the backup
/// that held a record per file (161–182 MB peak at 30,000 files) ran out of memory part way.
/// </summary>
public sealed class ManySmallFilesMemoryTests : IDisposable
{
    private const int Files = 30_000;
    private readonly TempRoot _root = new();

    [Fact]
    public async Task Create_and_restore_of_a_plugin_tree_succeed_inside_a_small_heap()
    {
        BoatForFaults.Seed(_root, imageMegabytes: 0);
        SeedPluginTree(_root.At("/home/d3kos/.signalk/node_modules"), Files);
        var before = BoatForFaults.SourceStates(_root);
        var environment = BoatForFaults.Environment(_root);
        // Hexadecimal without "0x": the Native AOT runtime reads GC settings only in that form (32 MB).
        environment["DOTNET_GCHeapHardLimit"] = "2000000";

        var (created, createPeakKb) = await Binaries.RunMeasuredAsync(environment, "create");
        Assert.Equal(0, created);
        var backup = Path.GetFileName(Directory.GetFiles(_root.At("/opt/d3kos/backups"), "d3kos_backup_*.tar.gz").Single());
        // The live tree changes, so the restore has something to undo.
        Directory.Delete(_root.At("/home/d3kos/.signalk/node_modules/plugin-7"), recursive: true);
        File.WriteAllText(_root.At("/home/d3kos/.signalk/node_modules/plugin-1/new.js"), "changed");

        var (restored, restorePeakKb) = await Binaries.RunMeasuredAsync(environment, "restore", backup, "--yes");

        Assert.Equal(0, restored);
        Assert.Equal(before, BoatForFaults.SourceStates(_root));
        Figures.Record("many small files in a 32 MB heap", new Dictionary<string, object>
        {
            ["files"] = Files, ["create_peak_rss_mb"] = createPeakKb / 1024, ["restore_peak_rss_mb"] = restorePeakKb / 1024,
        });
        if (Binaries.IsAot)
        {
            // A plugin tree's backup and restore have a tighter target than the general budget: 64 MB.
            Binaries.AssertWithinBudget(restorePeakKb, "restore", 64 * 1024);
            Binaries.AssertWithinBudget(createPeakKb, "create", 64 * 1024);
        }
    }

    /// <summary>node_modules-like: packages of a few folders of 0.2–6 KB files; the same tree every run.</summary>
    private static void SeedPluginTree(string folder, int files)
    {
        var random = new Random(19);
        var content = new string('x', 6 * 1024);
        for (var i = 0; i < files; i++)
        {
            var path = Path.Combine(folder, $"plugin-{i / 300}", $"lib-{i / 30 % 10}", $"module-{i}.js");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"// {i}\n" + content[..random.Next(200, 6 * 1024)]);
        }
    }

    public void Dispose() => _root.Dispose();
}
