using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>
/// The folder restic reads a repository copy from: each day it is made to hold exactly the new backup,
/// writing only what changed, so restic's file cache can skip the rest and the card is spared.
/// </summary>
public sealed class RepositoryStagingTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    private string Staging => Path.Combine(_boat.BackupsFolder, ".restic-staging");

    private SnapshotContent Content(ServiceProvider services) => new(Staging, _boat.BackupsFolder,
        services.GetRequiredService<BackupPaths>().Sources, 1L << 30, 0);

    /// <summary>The change time, which nothing can set back: a file restic may skip must keep it.</summary>
    private static string ChangeTime(string path) => Tool.Run("stat", "-c", "%z %i", path).Trim();

    [Fact]
    public void The_next_staging_writes_only_what_changed_removes_what_is_gone_and_leaves_the_rest_untouched()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        S3RepositoryTests.SeededImages(_boat, 8);
        File.WriteAllText(_boat.Root.At("/opt/d3kos/data/gone-tomorrow.txt"), "only in the first backup");
        var first = manager.Create(cancellationToken: ct);
        using (var source = CopySource.Open(first.Path, null, 0))
        {
            RepositoryStaging.Stage(source, Content(services), null, ct);
        }
        var untouched = Path.Combine(Staging, "opt/d3kos/data/images/voyage.bin");
        var before = ChangeTime(untouched);
        File.Delete(_boat.Root.At("/opt/d3kos/data/gone-tomorrow.txt"));
        _boat.Root.WithBoatlog(Enumerable.Range(0, 200).Select(i => ((object)(50_000L + i), "2026-03-02T12:00:00", "position", $"Entry {i}", (double?)43.5, (double?)-79.5)));
        var second = manager.Create(cancellationToken: ct);

        StagedBackup staged;
        using (var source = CopySource.Open(second.Path, null, 0))
        {
            staged = RepositoryStaging.Stage(source, Content(services), null, ct);
        }

        var unpacked = Directory.CreateTempSubdirectory("d3kos-tar-").FullName;
        try
        {
            BoatRoot.Tar("-xzf", second.Path, "-C", unpacked);
            TreeSnapshot.AssertSame(TreeSnapshot.Take(unpacked), TreeSnapshot.Take(Staging));
        }
        finally
        {
            Directory.Delete(unpacked, recursive: true);
        }
        Assert.Equal(before, ChangeTime(untouched));
        Assert.False(File.Exists(Path.Combine(Staging, "opt/d3kos/data/gone-tomorrow.txt")));
        Assert.True(staged.BytesWritten < staged.TotalBytes / 4, $"{staged.BytesWritten} of {staged.TotalBytes} bytes written again");
        Assert.Equal("700", Tool.Run("stat", "-c", "%a", Staging).Trim());
    }

    [Fact]
    public async Task A_backup_that_no_longer_matches_its_checksum_is_refused_before_restic_starts()
    {
        LaptopRestic.SkipUnlessInstalled();
        var drivePath = _boat.Root.At("/media/d3kos-usb");
        using var drive = MountedDrive.Image(drivePath, "ext4", megabytes: 64);
        var (manager, services) = Library.Create(_boat.Settings(
            ("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/d3kos-usb"), ("Backup:Targets:0:Format", "repository")));
        using var _ = services;
        services.GetRequiredService<BackupPassphrase>().Set(ShoreTarget.Passphrase);
        var ct = TestContext.Current.CancellationToken;
        var backup = manager.Create(cancellationToken: ct);
        Assert.NotEmpty(manager.List()); // the checksum is recorded as it was made
        using (var file = new FileStream(backup.Path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = file.Length / 2;
            var b = file.ReadByte();
            file.Position = file.Length / 2;
            file.WriteByte((byte)(b ^ 0x40));
        }
        File.SetLastWriteTimeUtc(backup.Path + ".sha256", DateTime.UtcNow.AddMinutes(1));

        var refused = await Assert.ThrowsAsync<BackupException>(() => services.GetRequiredService<BackupCopier>().CopyAsync(backup.FileName, "usb", null, ct));

        Assert.Equal(BackupError.InvalidArchive, refused.Error);
        Assert.Contains("no longer matches its checksum", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(drivePath, "d3kos-backups", "restic-repository", "snapshots")), "restic made no repository and no snapshot");
    }

    [Fact]
    public async Task A_card_without_room_to_unpack_the_backup_says_so_and_sends_nothing()
    {
        LaptopRestic.SkipUnlessInstalled();
        var drivePath = _boat.Root.At("/media/d3kos-usb");
        using var drive = MountedDrive.Image(drivePath, "ext4", megabytes: 64);
        var (manager, services) = Library.Create(_boat.Settings(
            ("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/d3kos-usb"), ("Backup:Targets:0:Format", "repository")));
        using var _ = services;
        services.GetRequiredService<BackupPassphrase>().Set(ShoreTarget.Passphrase);
        var ct = TestContext.Current.CancellationToken;
        S3RepositoryTests.SeededImages(_boat, 4);
        var backup = manager.Create(cancellationToken: ct);
        using var full = MountedDrive.Tmpfs(Staging, kilobytes: 1024);

        var refused = await Assert.ThrowsAsync<BackupException>(() => services.GetRequiredService<BackupCopier>().CopyAsync(backup.FileName, "usb", null, ct));

        Assert.Equal(BackupError.DiskFull, refused.Error);
        Assert.StartsWith("The card has no room to prepare the copy", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(drivePath, "d3kos-backups", "restic-repository", "snapshots")), "restic made no snapshot");
        Assert.True(File.Exists(backup.Path));
    }

    public void Dispose() => _boat.Dispose();
}
