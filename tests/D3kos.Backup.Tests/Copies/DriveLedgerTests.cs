using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>
/// Whoever can write to the stick besides this Pi: retention on a drive deletes only the copies this Pi's
/// ledger says it sent (<see cref="CopyLedger"/>), and copies from before the ledger are adopted only by the
/// names this Pi made. On a real mounted file system.
/// </summary>
public sealed class DriveLedgerTests : IDisposable
{
    private readonly BoatRoot _boat = new();
    private MountedDrive? _drive;
    private ServiceProvider? _services;

    private string DrivePath => _boat.Root.At("/media/d3kos-usb");

    /// <summary>A mounted drive as target "usb" (plain copies) and <paramref name="backups"/> backups made.</summary>
    private (MountedDrive Drive, BackupManager Manager, BackupCopier Copier, List<string> Names) Start(int keep, int backups)
    {
        _drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 32768);
        (var manager, _services) = Tests.Library.Create(_boat.Settings(
            ("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/d3kos-usb"), ("Backup:Targets:0:Encrypt", "false"),
            ("Backup:Targets:0:Keep", keep.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var names = Enumerable.Range(0, backups).Select(_ => manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName).ToList();
        return (_drive, manager, _services.GetRequiredService<BackupCopier>(), names);
    }

    private static IEnumerable<string> Copies(MountedDrive drive) =>
        Directory.GetFiles(drive.CopiesFolder, "*.tar.gz").Select(path => Path.GetFileName(path)!).Order(StringComparer.Ordinal);

    [Fact]
    public async Task Files_planted_on_the_drive_are_never_deleted_by_retention_and_are_listed_as_not_sent_by_this_pi()
    {
        var ct = TestContext.Current.CancellationToken;
        var (drive, manager, copier, names) = Start(keep: 2, backups: 3);
        await copier.CopyAsync(names[0], "usb", null, ct);
        await copier.CopyAsync(names[1], "usb", null, ct);
        var planted = Enumerable.Range(0, 10).Select(i => $"d3kos_backup_29990101_00000{i}.tar.gz").ToList();
        foreach (var name in planted)
        {
            File.WriteAllText(Path.Combine(drive.CopiesFolder, name), "planted");
        }

        var copy = await copier.CopyAsync(names[2], "usb", null, ct);
        var listed = await copier.ListCopiesAsync("usb", ct);

        Assert.Equal([names[0]], copy.Deleted);
        Assert.Equal(planted.Concat(names.Skip(1)).Order(StringComparer.Ordinal), Copies(drive));
        Assert.Equal(planted.Order(StringComparer.Ordinal), listed.Where(c => !c.SentByThisPi).Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.Equal(names.Skip(1), listed.Where(c => c.SentByThisPi).Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Copies_from_before_the_ledger_are_adopted_only_by_names_this_pi_made()
    {
        var ct = TestContext.Current.CancellationToken;
        var (drive, manager, copier, names) = Start(keep: 2, backups: 4);
        Directory.CreateDirectory(drive.CopiesFolder);
        // As a version before the ledger left the stick: three copies, then one backup gone from the card
        // (its copy is no longer a name this Pi can vouch for), and one planted.
        foreach (var name in names.Take(3))
        {
            File.Copy(Path.Combine(_boat.BackupsFolder, name), Path.Combine(drive.CopiesFolder, name));
        }
        manager.Delete(names[0], TestContext.Current.CancellationToken);
        const string Planted = "d3kos_backup_29991231_235959.tar.gz";
        File.WriteAllText(Path.Combine(drive.CopiesFolder, Planted), "planted");

        var copy = await copier.CopyAsync(names[3], "usb", null, ct);

        // Adopted: names[1] and names[2]; with the new copy, Keep=2 removes the oldest adopted one.
        Assert.Equal([names[1]], copy.Deleted);
        Assert.Equal(new[] { names[0], names[2], names[3], Planted }.Order(StringComparer.Ordinal), Copies(drive));
        Assert.True(File.Exists(Path.Combine(manager.Paths.BackupsFolder, ".copy-ledger-usb.json")));
    }

    public void Dispose()
    {
        _services?.Dispose();
        _drive?.Dispose();
        _boat.Dispose();
    }
}
