namespace D3kos.Backup.Tests;

/// <summary>
/// A restore answers once the services are back; the state it replaced stays set aside, journalled as
/// "keeping", until its safety backup is durable. These tests hold that state still to look at it.
/// </summary>
public sealed class KeepingOldStateTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Fact]
    public async Task A_restore_keeps_exactly_what_it_replaced_and_then_removes_the_set_aside_folders()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        _boat.Root.Write("/var/www/html/index.html", "the state the restore replaces");
        var replaced = TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);
        replaced.Remove("opt/d3kos/config/.settings.json.1234.tmp"); // temporary files are never backed up

        var result = manager.Restore(backup, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual("the state the restore replaces", File.ReadAllText(_boat.Root.At("/var/www/html/index.html")));
        await result.Keeping.Completion.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Null(result.Keeping.Failure);
        Assert.Null(manager.OldState());
        Assert.Empty(Directory.GetDirectories(_boat.Root.At("/var/www"), ".d3kos-restore-*"));
        Assert.False(File.Exists(manager.Paths.JournalFile));
        Assert.True(manager.Verify(result.SafetyBackup, cancellationToken: TestContext.Current.CancellationToken).Valid);
        // Brought back, the safety backup gives the replaced state, file for file.
        manager.RestoreKept(result.SafetyBackup, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);
        TreeSnapshot.AssertSame(replaced, TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder));
    }

    [Fact]
    public void A_backup_asked_for_while_the_old_state_is_kept_waits_for_it_and_says_why()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        CutOffAfterTheSwap(manager);
        var seen = new List<string>();
        BackupResult? made = null;
        Thread backing;
        using (BackupLock.Acquire(manager.Paths)) // another process keeping the old state
        {
            var progress = new BackupProgress(p => { lock (seen) { seen.Add(p.Phase); } });
            backing = new Thread(() => made = manager.Create(progress, TestContext.Current.CancellationToken));
            backing.Start();
            SpinWait.SpinUntil(() => { lock (seen) { return seen.Contains(BackupProgress.WaitingForSafetyBackup); } }, TimeSpan.FromSeconds(30));
            Assert.Contains(BackupProgress.WaitingForSafetyBackup, seen);
            Assert.Null(made);
            Assert.Equal("writing", manager.OldState()?.State);
        }
        Assert.True(backing.Join(TimeSpan.FromSeconds(60)));
        Assert.NotNull(made);
    }

    [Fact]
    public async Task The_backup_api_takes_up_an_old_state_left_aside_by_a_cut_and_keeps_it_while_it_answers()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var old = CutOffAfterTheSwap(manager);

        manager.RecoverAfterCrash(keepInBackground: true);

        var keeping = Assert.IsType<OldStateKeeping>(manager.Keeping);
        Assert.Equal("d3kos_prerestore_20260102_000000.tar.gz", keeping.SafetyBackup);
        await keeping.Completion.WaitAsync(TestContext.Current.CancellationToken);
        Assert.False(Directory.Exists(old));
        Assert.False(File.Exists(manager.Paths.JournalFile));
        Assert.True(manager.Verify(keeping.SafetyBackup, cancellationToken: TestContext.Current.CancellationToken).Valid);
        Assert.Contains("opt/d3kos/data/maintenance-log.json", BoatRoot.Tar("tzf", Path.Combine(_boat.BackupsFolder, keeping.SafetyBackup)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_safety_backup_that_does_not_fit_keeps_the_old_state_aside_and_says_why_until_there_is_room()
    {
        using var disk = MountedDrive.Tmpfs(_boat.BackupsFolder, kilobytes: 1024);
        var (manager, services) = Library.Create(_boat.Settings(("Backup:FreeSpaceMarginBytes", "0")));
        using var _ = services;
        var earlier = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        var image = _boat.Root.At("/opt/d3kos/data/images/incompressible.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        File.WriteAllBytes(image, RandomBytes(2 << 20));
        var old = CutOffAfterTheSwap(manager);
        var aside = TreeSnapshot.Take(old);

        manager.RecoverAfterCrash();

        var state = manager.OldState();
        Assert.Equal("failed", state?.State);
        Assert.Contains("Not enough free space", state!.Error, StringComparison.Ordinal);
        Assert.Contains("set aside", state.Error, StringComparison.Ordinal);
        TreeSnapshot.AssertSame(aside, TreeSnapshot.Take(old));
        Assert.Empty(Directory.GetFiles(_boat.BackupsFolder, "d3kos_prerestore_*"));
        // A restore now is refused with that reason; nothing else changes.
        var live = TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);
        var refused = Assert.Throws<BackupException>(() => manager.Restore(earlier, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(BackupError.DiskFull, refused.Error);
        Assert.Contains("set aside", refused.Message, StringComparison.Ordinal);
        TreeSnapshot.AssertSame(live, TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder));

        // Room again (a bigger card): the next start keeps it and removes what was set aside.
        Tool.Run("mount", "-o", "remount,size=16m", _boat.BackupsFolder);
        manager.RecoverAfterCrash();

        Assert.Null(manager.OldState());
        Assert.False(Directory.Exists(Path.GetDirectoryName(Path.GetDirectoryName(old))));
        var safety = Directory.GetFiles(_boat.BackupsFolder, "d3kos_prerestore_*.tar.gz").Single();
        Assert.True(manager.Verify(Path.GetFileName(safety), cancellationToken: TestContext.Current.CancellationToken).Valid);
        var extracted = Directory.CreateTempSubdirectory("d3kos-safety-").FullName;
        try
        {
            BoatRoot.Tar("xzf", safety, "-C", extracted, "opt/d3kos/data/images/incompressible.bin");
            Assert.Equal(RandomBytes(2 << 20), File.ReadAllBytes(Path.Combine(extracted, "opt/d3kos/data/images/incompressible.bin")));
        }
        finally
        {
            Directory.Delete(extracted, recursive: true);
        }
    }

    /// <summary>
    /// The state a restore leaves when it is cut off right after its swap: the data source's old folder set
    /// aside in its work folder, a new one live, the journal at "keeping". Returns the set-aside folder.
    /// </summary>
    private static string CutOffAfterTheSwap(BackupManager manager)
    {
        var data = manager.Paths.Sources.Single(s => s.PiPath == "/opt/d3kos/data");
        var swap = SourceSwap.Plan(data, "cutoff");
        CutOffRestore.SetAside(data, swap, "from-the-backup.json", "{}");
        CutOffRestore.WriteJournal(manager, "keeping", [swap], safetyBackup: "d3kos_prerestore_20260102_000000.tar.gz");
        return swap.Old;
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    public void Dispose() => _boat.Dispose();
}
