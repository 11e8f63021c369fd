using System.Diagnostics;
using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>
/// An encrypted copy of a large backup to a drive, and its import back, inside a small memory limit: the CLI
/// runs with a 32 MB GC heap (DOTNET_GCHeapHardLimit). Encryption and decryption stream in 64 KiB pieces,
/// so memory stays flat whatever the size of the backup.
/// </summary>
public sealed class EncryptedCopyMemoryTests : IDisposable
{
    private const int ImageMegabytes = 256;
    private readonly TempRoot _root = new();
    private string Drive => _root.At("/media/usb");

    [Fact]
    public async Task A_large_backup_is_copied_encrypted_and_imported_back_inside_a_small_heap()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root, to mount a tmpfs as the USB drive");
        BoatForFaults.Seed(_root, ImageMegabytes);
        _root.Write("/opt/d3kos/config/backup-passphrase", "correct horse battery staple");
        File.SetUnixFileMode(_root.At("/opt/d3kos/config/backup-passphrase"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(Drive);
        Mount("-t", "tmpfs", "-o", "size=400m", "tmpfs", Drive);
        var environment = BoatForFaults.Environment(_root);
        environment["Backup__Targets__0__Name"] = "usb";
        environment["Backup__Targets__0__Path"] = "/media/usb";
        environment["DOTNET_GCHeapHardLimit"] = "2000000"; // 32 MB, in the only form the AOT runtime reads
        Assert.Equal(0, await Binaries.RunAsync("d3kos-backup", environment, "create"));
        var backup = Directory.GetFiles(_root.At("/opt/d3kos/backups"), "d3kos_backup_*.tar.gz").Single();

        var (copied, copyPeakKb) = await Binaries.RunMeasuredAsync(environment, "copy", Path.GetFileName(backup), "--to", "usb");
        var copy = Path.Combine(Drive, "d3kos-backups", Path.GetFileName(backup) + ".gpg");
        var (imported, importPeakKb) = await Binaries.RunMeasuredAsync(environment, "import", copy);

        Assert.Equal(0, copied);
        Assert.True(new FileInfo(copy).Length > ImageMegabytes * 1024L * 1024);
        Assert.Equal(0, imported);
        var back = Directory.GetFiles(_root.At("/opt/d3kos/backups"), "d3kos_imported_*.tar.gz").Single();
        Assert.Equal(File.ReadAllText(backup + ".sha256").Split(' ')[0], File.ReadAllText(back + ".sha256").Split(' ')[0]);
        Figures.Record("encrypted copy and import of a large backup in a 32 MB heap", new Dictionary<string, object>
        {
            ["backup_mb"] = new FileInfo(backup).Length / (1024 * 1024), ["copy_peak_rss_mb"] = copyPeakKb / 1024, ["import_peak_rss_mb"] = importPeakKb / 1024,
        });
        if (Binaries.IsAot)
        {
            Binaries.AssertWithinBudget(copyPeakKb, "copy");
            Binaries.AssertWithinBudget(importPeakKb, "import");
        }
    }

    private static void Mount(params string[] args)
    {
        using var mount = Process.Start("mount", args);
        mount.WaitForExit();
        Assert.Equal(0, mount.ExitCode);
    }

    public void Dispose()
    {
        if (File.ReadAllText("/proc/mounts").Contains(" " + Drive + " ", StringComparison.Ordinal))
        {
            using var umount = Process.Start("umount", ["-l", Drive]);
            umount.WaitForExit();
        }
        _root.Dispose();
    }
}
