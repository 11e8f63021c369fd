namespace D3kos.Backup.Tests;

/// <summary>A restore cut short (power cut, kill -9) is rolled back or finished at the next start.</summary>
public sealed class InterruptedRestoreTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Fact]
    public void Crash_in_the_middle_of_the_swap_is_rolled_back_at_start()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var before = TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);
        // The state a crash leaves: config already swapped (old aside, new live), data not yet.
        var config = manager.Paths.Sources.Single(s => s.PiPath == "/opt/d3kos/config");
        var data = manager.Paths.Sources.Single(s => s.PiPath == "/opt/d3kos/data");
        var swapped = SourceSwap.Plan(config, "crashed");
        var pending = SourceSwap.Plan(data, "crashed");
        CutOffRestore.SetAside(config, swapped, "license.json", "{\"from\":\"the backup\"}");
        Directory.CreateDirectory(pending.Staged);
        File.WriteAllText(Path.Combine(pending.Staged, "new.json"), "{}");
        CutOffRestore.WriteJournal(manager, "swapping", [swapped, pending]);

        manager.RecoverAfterCrash();

        TreeSnapshot.AssertSame(before, TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder));
        Assert.False(File.Exists(manager.Paths.JournalFile));
        Assert.Contains("start d3kos-export-manager", _boat.ServiceCommands);
    }

    [Fact]
    public void No_journal_recovery_does_nothing()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var before = TreeSnapshot.Take(_boat.Root.Path);

        manager.RecoverAfterCrash();

        TreeSnapshot.AssertSame(before, TreeSnapshot.Take(_boat.Root.Path));
        Assert.Empty(_boat.ServiceCommands);
    }

    public void Dispose() => _boat.Dispose();
}
