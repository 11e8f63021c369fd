using System.Diagnostics;
using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>kill -9 during a backup and during a restore, then the next start of the CLI.</summary>
public sealed class BackupCrashTests : IDisposable
{
    private readonly TempRoot _root = new();
    private string Backups => _root.At("/opt/d3kos/backups");

    [Fact]
    public async Task Kill_during_create_leaves_no_partial_backup_and_deletes_nothing()
    {
        BoatForFaults.Seed(_root, imageMegabytes: 24);
        var environment = BoatForFaults.Environment(_root);
        Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "create"));
        var first = Directory.GetFiles(Backups, "d3kos_backup_*.tar.gz").Single();
        var duration = await TimeAsync(() => Binaries.RunAsync("d3kos-backup", environment, "create"));
        var random = new Random(7);
        var cycles = 0;
        var completedAnyway = 0;

        for (; cycles < 25; cycles++)
        {
            var before = Directory.GetFiles(Backups, "d3kos_backup_*.tar.gz").Length;
            using var create = Binaries.Start("d3kos-backup", environment, "create");
            await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * duration.TotalMilliseconds), TestContext.Current.CancellationToken);
            if (create.HasExited)
            {
                completedAnyway++;
            }
            Binaries.KillHard(create);

            // The next run of the CLI tidies up; what is listed is only ever complete, verifiable backups.
            Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "list"));
            Assert.Empty(Directory.GetFiles(Backups, "*.partial"));
            Assert.Empty(Directory.GetDirectories(Backups, ".snapshot-*"));
            var after = Directory.GetFiles(Backups, "d3kos_backup_*.tar.gz");
            Assert.True(after.Length >= Math.Min(before, 5), "retention deleted a backup without a newer complete one");
            Assert.True(after.Length <= 5);
            if (after.Length < 5)
            {
                Assert.Contains(first, after);
            }
        }
        foreach (var archive in Directory.GetFiles(Backups, "d3kos_backup_*.tar.gz"))
        {
            Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "verify", Path.GetFileName(archive)));
        }
        Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "create"));

        Figures.Record("backup create kill -9", new Dictionary<string, object>
        {
            ["cycles"] = cycles, ["finished_before_kill"] = completedAnyway, ["partial_files_left"] = 0, ["invalid_backups"] = 0,
        });
    }

    /// <summary>
    /// kill -9 at a random moment of a restore, from the unpacking to the safety backup of the old state
    /// written after the services are back. The next start leaves every source wholly old or wholly new, and
    /// when new, the old state is in a safety backup that verifies and holds it (taken from the set-aside
    /// folders by that start if the kill came first).
    /// </summary>
    [Fact]
    public async Task Kill_during_restore_next_start_leaves_all_sources_old_or_all_new()
    {
        BoatForFaults.Seed(_root, imageMegabytes: 16);
        var environment = BoatForFaults.Environment(_root);
        Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "create"));
        var backup = Path.GetFileName(Directory.GetFiles(Backups, "d3kos_backup_*.tar.gz").Single());
        var fromBackup = BoatForFaults.SourceStates(_root);

        // The live state the restore replaces: changed in every source, kept aside to reset each cycle.
        _root.Write("/opt/d3kos/config/user-preferences.json", """{"units":"imperial"}""");
        _root.Write("/opt/d3kos/data/maintenance-log.json", "[]");
        _root.Write("/var/www/html/index.html", "<h1>changed</h1>");
        _root.Write("/home/d3kos/.signalk/settings.json", """{"port":3001}""");
        _root.Write("/home/d3kos/.node-red/flows.json", """[{"id":"2"}]""");
        var pristine = Directory.CreateTempSubdirectory("d3kos-pristine-").FullName;
        CopySources(_root.Path, pristine);
        var live = BoatForFaults.SourceStates(_root);
        var duration = await TimeAsync(() => Binaries.RunAsync("d3kos-backup", environment, "restore", backup, "--yes"));
        var random = new Random(11);
        int cycles = 0, endedOld = 0, endedNew = 0;
        var killedIn = new SortedDictionary<string, int>(StringComparer.Ordinal);

        try
        {
            for (; cycles < 30; cycles++)
            {
                CopySources(pristine, _root.Path);
                var safetyBefore = SafetyBackups();
                using var restore = Binaries.Start("d3kos-backup", environment, "restore", backup, "--yes");
                // Every other cycle waits for a phase first (the unpacking, the safety backup of the old state
                // after the answer, its clean-up), so each is hit however fast this machine is; then a random moment.
                var aim = cycles % 2 == 0 ? null : AimedPhases[cycles / 2 % AimedPhases.Length];
                var clock = Stopwatch.StartNew();
                while (aim is not null && JournalPhase() != aim && !restore.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    await Task.Delay(1, TestContext.Current.CancellationToken);
                }
                var delay = aim is null ? random.NextDouble() * duration.TotalMilliseconds * 1.2 : random.NextDouble() * 30;
                await Task.Delay(TimeSpan.FromMilliseconds(delay), TestContext.Current.CancellationToken);
                Binaries.KillHard(restore);
                var phase = JournalPhase();
                killedIn[phase] = killedIn.GetValueOrDefault(phase) + 1;

                Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "list")); // the next start recovers
                var state = BoatForFaults.SourceStates(_root);
                var allOld = state.All(s => s.Value == live[s.Key]);
                var allNew = state.All(s => s.Value == fromBackup[s.Key]);
                Assert.True(allOld || allNew, $"mixed state after a kill in phase {phase}: " + string.Join(", ", state.Where(s => s.Value != live[s.Key]).Select(s => s.Key)));
                endedOld += allOld ? 1 : 0;
                endedNew += allNew ? 1 : 0;
                Assert.False(File.Exists(Path.Combine(Backups, ".restore-journal.json")));
                Assert.Empty(Directory.GetDirectories(_root.At("/opt/d3kos"), ".d3kos-restore-*"));
                if (allNew)
                {
                    await AssertKeepsTheOldState(SafetyBackups().Except(safetyBefore).Single(), environment, live);
                }
            }
        }
        finally
        {
            Directory.Delete(pristine, recursive: true);
        }

        Figures.Record("restore kill -9", new Dictionary<string, object>
        {
            ["cycles"] = cycles, ["ended_all_old"] = endedOld, ["ended_all_new"] = endedNew, ["mixed"] = 0,
            ["killed_in_phase"] = string.Join(", ", killedIn.Select(p => $"{p.Key} {p.Value}")),
        });
    }

    private static readonly string[] AimedPhases = ["staging", "keeping", "keeping", "swapped"];

    private string[] SafetyBackups() => [.. Directory.GetFiles(Backups, "d3kos_prerestore_*.tar.gz").Select(Path.GetFileName).OfType<string>()];

    /// <summary>Where the killed restore was, by its journal: none (not begun, or done), staging, swapping, keeping, swapped.</summary>
    private string JournalPhase()
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Backups, ".restore-journal.json")));
            return document.RootElement.GetProperty("phase").GetString()!;
        }
        catch (FileNotFoundException)
        {
            return "none";
        }
    }

    /// <summary>The safety backup verifies and holds the state the restore replaced (the database aside: its snapshot is not its bytes).</summary>
    private async Task AssertKeepsTheOldState(string safety, IReadOnlyDictionary<string, string> environment, Dictionary<string, string> live)
    {
        Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "verify", safety));
        using var extracted = new TempRoot();
        var tar = Process.Start("tar", ["xzf", Path.Combine(Backups, safety), "-C", extracted.Path])!;
        await tar.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, tar.ExitCode);
        var kept = BoatForFaults.SourceStates(extracted);
        Assert.All(kept.Where(s => s.Key != "/opt/d3kos/data"), s => Assert.Equal(live[s.Key], s.Value));
        Assert.Equal("[]", File.ReadAllText(extracted.At("/opt/d3kos/data/maintenance-log.json")));
    }

    private static readonly string[] SourceRoots = ["opt/d3kos/config", "opt/d3kos/data", "var/www/html", "home/d3kos/.signalk", "home/d3kos/.node-red"];

    private static void CopySources(string from, string to)
    {
        foreach (var source in SourceRoots)
        {
            var target = Path.Combine(to, source);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
            CopyFolder(Path.Combine(from, source), target);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var folder in Directory.GetDirectories(from).Where(d => !Path.GetFileName(d).StartsWith(".d3kos-restore-", StringComparison.Ordinal)))
        {
            CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task<int>> run)
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, await run());
        return clock.Elapsed;
    }

    public void Dispose() => _root.Dispose();
}
