using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace D3kos.Backup.Tests;

/// <summary>Repository copies (restic) to a USB drive (a real mounted ext4), read back by the real restic as a laptop would.</summary>
public sealed class DriveRepositoryTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    private string DrivePath => _boat.Root.At("/media/d3kos-usb");

    private string Repository => Path.Combine(DrivePath, "d3kos-backups", "restic-repository");

    private (BackupManager Manager, BackupCopier Copier, ServiceProvider Services) Library(TimeProvider? time = null)
    {
        LaptopRestic.SkipUnlessInstalled();
        var (manager, services) = Tests.Library.Create(_boat.Settings(
            ("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/d3kos-usb"), ("Backup:Targets:0:Format", "repository")), time);
        services.GetRequiredService<BackupPassphrase>().Set(ShoreTarget.Passphrase);
        return (manager, services.GetRequiredService<BackupCopier>(), services);
    }

    private static long SizeOf(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(file => new FileInfo(file).Length);

    private void BoatLogGrows(int entries, int day) =>
        _boat.Root.WithBoatlog(Enumerable.Range(0, entries).Select(i => ((object)(day * 10_000L + i), $"2026-03-{1 + day % 28:00}T12:00:00", "position", $"Day {day} entry {i}", (double?)43.55, (double?)-79.52)));

    [Fact]
    public async Task A_second_copy_after_a_small_change_stores_only_the_change_and_restic_on_a_laptop_restores_it_byte_identical()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 160);
        var images = _boat.Root.At("/opt/d3kos/data/images/voyage.bin");
        S3RepositoryTests.SeededImages(_boat, 48);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 3, 30, 0, TimeSpan.Zero));
        var (manager, copier, services) = Library(time);
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        await copier.CopyAsync(manager.Create(cancellationToken: ct).FileName, "usb", null, ct);
        var full = SizeOf(Repository);
        time.Advance(TimeSpan.FromDays(1)); // the next day's copy: restic keeps one snapshot a day
        BoatLogGrows(300, day: 1);
        var second = manager.Create(cancellationToken: ct);

        var copy = await copier.CopyAsync(second.FileName, "usb", null, ct);

        var change = SizeOf(Repository) - full;
        Assert.True(change <= full / 20, $"the second copy stored {change} bytes, more than 5% of the first's {full}");
        Assert.Matches("^usb:[0-9a-f]{8}$", copy.CopyFile);
        Assert.Equal(2, JsonDocument.Parse(LaptopRestic.RunOk(Repository, null, "snapshots", "--json")).RootElement.GetArrayLength());
        Assert.Contains("no errors were found", LaptopRestic.RunOk(Repository, null, "check", "--read-data"), StringComparison.Ordinal);
        var files = Path.Combine(_boat.Root.Path, "..", $"laptop-{Guid.NewGuid():N}");
        try
        {
            LaptopRestic.AssertRestoresTheBackup(Repository, null, second.Path, files);
            Assert.Equal(File.ReadAllBytes(images), File.ReadAllBytes(Path.Combine(files, "opt/d3kos/data/images/voyage.bin")));
        }
        finally
        {
            Directory.Delete(files, recursive: true);
        }
    }

    [Fact]
    public async Task Retention_over_30_days_keeps_the_newest_of_each_of_7_days_and_of_4_weeks_and_nothing_else()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 64);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 3, 30, 0, TimeSpan.Zero));
        var (manager, copier, services) = Library(time);
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        var made = new List<DateTimeOffset>();
        var removed = new List<string>();
        for (var day = 0; day < 30; day++)
        {
            BoatLogGrows(20, day);
            made.Add(time.GetUtcNow());
            var copy = await copier.CopyAsync(manager.Create(cancellationToken: ct).FileName, "usb", null, ct);
            removed.AddRange(copy.Deleted);
            time.Advance(TimeSpan.FromDays(1));
        }

        var kept = JsonDocument.Parse(LaptopRestic.RunOk(Repository, null, "snapshots", "--json")).RootElement.EnumerateArray()
            .Select(s => s.GetProperty("time").GetDateTimeOffset()).Order().ToList();

        // Worked out here, not by restic: the 7 newest days, and the newest snapshot of each of the 4 newest ISO weeks.
        var newestFirst = made.OrderDescending().ToList();
        var daily = newestFirst.Take(7);
        var weekly = newestFirst.GroupBy(t => (ISOWeek.GetYear(t.UtcDateTime), ISOWeek.GetWeekOfYear(t.UtcDateTime))).Take(4).Select(week => week.First());
        Assert.Equal(daily.Union(weekly).Order(), kept);
        Assert.Equal(30 - kept.Count, removed.Count);
        Assert.Contains("no errors were found", LaptopRestic.RunOk(Repository, null, "check"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_passphrase_is_added_to_the_repository_at_the_next_copy_and_the_old_one_opens_nothing()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 64);
        var (manager, copier, services) = Library();
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        await copier.CopyAsync(manager.Create(cancellationToken: ct).FileName, "usb", null, ct);
        const string NewPassphrase = "a new passphrase for the season";
        services.GetRequiredService<BackupPassphrase>().Set(NewPassphrase);

        await copier.CopyAsync(manager.Create(cancellationToken: ct).FileName, "usb", null, ct);

        var withNew = LaptopRestic.RunWith(NewPassphrase, Repository, "snapshots", "--json");
        var withOld = LaptopRestic.Run(Repository, null, "snapshots", "--json");
        Assert.True(withNew.Code == 0, withNew.Error);
        Assert.NotEqual(0, JsonDocument.Parse(withNew.Output).RootElement.GetArrayLength());
        Assert.NotEqual(0, withOld.Code);
        Assert.Contains("wrong password", withOld.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mount_folder_without_a_drive_is_refused_with_the_same_sentence_and_the_card_gets_nothing()
    {
        Directory.CreateDirectory(DrivePath);
        var (manager, copier, services) = Library();
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, refused.Error);
        Assert.Contains("not a mounted drive", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(DrivePath));
        Assert.Equal(refused.Message, copier.LastCopy("usb")!.Error);
    }

    [Fact]
    public async Task A_snapshot_holding_a_file_its_manifest_does_not_list_is_refused_on_import_and_nothing_is_kept()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 64);
        var (manager, copier, services) = Library();
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        var backup = manager.Create(cancellationToken: ct);
        await copier.CopyAsync(backup.FileName, "usb", null, ct);
        var ours = JsonDocument.Parse(LaptopRestic.RunOk(Repository, null, "snapshots", "--json")).RootElement[0];
        // Whoever holds the passphrase writes a snapshot that looks like the boat's: the manifest, and one file more.
        var planted = Directory.CreateTempSubdirectory("d3kos-planted-").FullName;
        try
        {
            BoatRoot.Tar("-xzf", backup.Path, "-C", planted);
            File.WriteAllText(Path.Combine(planted, "opt/d3kos/config/planted.sh"), "#!/bin/sh\necho owned\n");
            var (code, _, error) = LaptopRestic.RunIn(planted, Repository, ["backup", ".", "--host", ours.GetProperty("hostname").GetString()!,
                .. ours.GetProperty("tags").EnumerateArray().SelectMany(tag => new[] { "--tag", tag.GetString()! })]);
            Assert.True(code == 0, error);
        }
        finally
        {
            Directory.Delete(planted, recursive: true);
        }
        var newest = (await copier.ListCopiesAsync("usb", ct))[0];
        var before = manager.List().Count;

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.ImportFromBucketAsync(newest.Address, manager, ct));

        Assert.Equal(BackupError.InvalidArchive, refused.Error);
        Assert.Contains("not a usable d3kOS backup", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, manager.List().Count);
        Assert.Empty(Directory.GetDirectories(_boat.BackupsFolder, ".restic-restore-*"));
    }

    [Fact]
    public async Task A_backup_that_no_longer_matches_its_checksum_is_refused_before_restic_starts()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 64);
        var (manager, copier, services) = Library();
        using var _ = services;
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

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, ct));

        Assert.Equal(BackupError.InvalidArchive, refused.Error);
        Assert.Contains("no longer matches its checksum", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Repository, "snapshots")), "restic made no repository and no snapshot");
    }

    [Fact]
    public async Task A_card_without_room_to_unpack_the_backup_says_so_and_sends_nothing()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 64);
        var (manager, copier, services) = Library();
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        S3RepositoryTests.SeededImages(_boat, 4);
        var backup = manager.Create(cancellationToken: ct);
        using var full = MountedDrive.Tmpfs(Path.Combine(_boat.BackupsFolder, ".restic-staging"), kilobytes: 1024);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, ct));

        Assert.Equal(BackupError.DiskFull, refused.Error);
        Assert.StartsWith("The card has no room to prepare the copy", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Repository, "snapshots")), "restic made no snapshot");
        Assert.True(File.Exists(backup.Path));
    }

    [Fact]
    public async Task A_legacy_backup_without_a_manifest_is_refused_with_what_to_do_and_restic_never_runs()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 64);
        var (_, copier, services) = Library();
        using var _ = services;
        const string Legacy = "d3kos_backup_20250101_030000.tar.gz";
        Directory.CreateDirectory(_boat.BackupsFolder);
        BoatRoot.Tar("czf", Path.Combine(_boat.BackupsFolder, Legacy), "-C", _boat.Root.Path, "opt/d3kos/config"); // as v0.9.1.2's script made them

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(Legacy, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.InvalidInput, refused.Error);
        Assert.StartsWith($"{Legacy} was made by d3kOS v0.9.1.2 and has no manifest", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Repository, "snapshots")), "restic made no snapshot");
    }

    public void Dispose() => _boat.Dispose();
}
