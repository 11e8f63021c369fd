namespace D3kos.Backup.Tests;

/// <summary>What the owner's page shows while a long operation runs comes from here: phases, and bytes of a true total.</summary>
public sealed class ProgressTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    private static (BackupProgress Progress, List<(string Phase, long Done, long Total)> Seen) Recorder()
    {
        var seen = new List<(string, long, long)>();
        return (new BackupProgress(p => seen.Add((p.Phase, p.Done, p.Total))), seen);
    }

    [Fact]
    public void Create_verify_and_restore_report_their_bytes_up_to_the_total_then_the_phase_that_follows()
    {
        _boat.Root.Write("/opt/d3kos/data/images/big.bin", new string('x', 3 << 20));
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var (create, created) = Recorder();
        var backup = manager.Create(create, cancellationToken: TestContext.Current.CancellationToken).FileName;
        var (verify, verified) = Recorder();
        manager.Verify(backup, verify, cancellationToken: TestContext.Current.CancellationToken);
        var (restore, restored) = Recorder();
        manager.RestoreKept(backup, replaceInstallationId: false, restore, cancellationToken: TestContext.Current.CancellationToken);
        var archiveSize = new FileInfo(Path.Combine(_boat.BackupsFolder, backup)).Length;

        var backingUp = created.Where(s => s.Phase == BackupProgress.BackingUp).ToList();
        Assert.True(backingUp.Count > 2, "a report per file");
        Assert.True(backingUp[^1].Total >= 3 << 20);
        Assert.Equal(backingUp[^1].Total, backingUp[^1].Done);
        Assert.Equal(backingUp.Select(s => s.Done).Order(), backingUp.Select(s => s.Done));
        Assert.Equal(BackupProgress.Finishing, created[^1].Phase);
        Assert.All(verified, s => Assert.Equal((BackupProgress.Checking, archiveSize), (s.Phase, s.Total)));
        Assert.Equal(archiveSize, verified[^1].Done);
        var unpacking = restored.Where(s => s.Phase == BackupProgress.Restoring).ToList();
        Assert.Equal(archiveSize, unpacking[^1].Done);
        // Then the services are back, and the state it replaced is kept: bytes of that state's own total.
        var switching = restored.FindIndex(s => s.Phase == BackupProgress.SwitchingOver);
        Assert.True(switching > restored.FindLastIndex(s => s.Phase == BackupProgress.Restoring));
        var keeping = restored.Where(s => s.Phase == BackupProgress.KeepingOldState).ToList();
        Assert.True(keeping.Count > 2, "a report per file of the old state");
        Assert.True(keeping[^1].Total >= 3 << 20);
        Assert.Equal(keeping[^1].Total, keeping[^1].Done);
        Assert.True(restored.FindIndex(s => s.Phase == BackupProgress.KeepingOldState) > switching);
        Assert.Equal(BackupProgress.Finishing, restored[^1].Phase);
    }

    public void Dispose() => _boat.Dispose();
}
