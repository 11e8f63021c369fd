using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>A drive through <see cref="ICopyTarget"/>, on a real mounted file system (root only, as <see cref="MountedDrive"/> is).</summary>
public sealed class DriveTargetTests : IAsyncDisposable
{
    private const string CopyName = "d3kos_backup_20260101_000000.tar.gz";
    private readonly BoatRoot _boat = new();
    private readonly BackupManager _manager;
    private readonly ServiceProvider _services;
    private readonly BackupCopier _copier;
    private readonly ICopyTarget _target;

    public DriveTargetTests()
    {
        (_manager, _services) = Library.Create(_boat.Settings(
            ("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/d3kos-usb"), ("Backup:Targets:0:Encrypt", "false")));
        _copier = _services.GetRequiredService<BackupCopier>();
        _target = _services.GetRequiredService<CopyTargetFactory>().Create(_copier.Targets[0]);
    }

    private MountedDrive Drive(int kilobytes = 32768) => MountedDrive.Tmpfs(_boat.Root.At("/media/d3kos-usb"), kilobytes);

    [Fact]
    public async Task A_copy_sent_through_the_interface_is_listed_read_back_byte_identical_and_deleted_with_its_checksum()
    {
        using var drive = Drive();
        var backup = _manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var trip = await TargetRoundTrip.RunAsync(_target, backup.Path);

        Assert.Equal(backup.FileName, trip.Sent.Name);
        Assert.Equal([Path.Combine(drive.MountPoint, "d3kos-backups", backup.FileName)], trip.Listed.Select(copy => copy.Address));
        Assert.Equal(File.ReadAllBytes(backup.Path), trip.Read);
        Assert.Empty(trip.ListedAfterDelete);
        Assert.Empty(Directory.GetFileSystemEntries(drive.CopiesFolder));
    }

    [Fact]
    public async Task A_cancelled_copy_leaves_no_partial_file_is_recorded_and_the_next_copy_completes()
    {
        using var drive = Drive();
        var backup = _manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _copier.CopyAsync(backup.FileName, "usb", null, cancelled.Token));
        var left = Directory.GetFileSystemEntries(drive.CopiesFolder);
        var status = _copier.LastCopy("usb")!;
        var copy = await _copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken);

        Assert.Empty(left);
        Assert.False(status.Succeeded);
        Assert.Equal("The copy was cancelled before it finished. The local backup is kept.", status.Error);
        Assert.Equal(File.ReadAllBytes(backup.Path), File.ReadAllBytes(Path.Combine(drive.CopiesFolder, copy.CopyFile)));
    }

    [Fact]
    public async Task A_copies_folder_another_user_can_change_is_refused_at_once_and_nothing_waits_on_it()
    {
        using var drive = Drive();
        var backup = _manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        Directory.CreateDirectory(drive.CopiesFolder);
        // nobody owns the folder and has put a FIFO in it, as a user who may write the stick could.
        Tool.Run("mkfifo", Path.Combine(drive.CopiesFolder, $".{backup.FileName}.partial"));
        Tool.Run("chown", "-R", "nobody", drive.CopiesFolder);

        var refused = await Assert.ThrowsAsync<BackupException>(() =>
            _copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, refused.Error);
        Assert.Contains("another user can change", refused.Message, StringComparison.Ordinal);
        Assert.False(_copier.LastCopy("usb")!.Succeeded);
    }

    [Fact]
    public async Task A_link_planted_under_a_copy_s_name_is_neither_listed_nor_read()
    {
        using var drive = Drive(kilobytes: 4096);
        Directory.CreateDirectory(drive.CopiesFolder);
        var elsewhere = Path.Combine(drive.MountPoint, "not-a-copy.bin");
        File.WriteAllText(elsewhere, "whatever the link points at");
        File.CreateSymbolicLink(Path.Combine(drive.CopiesFolder, CopyName), elsewhere);
        Directory.CreateDirectory(_boat.BackupsFolder); // the card's side of the drive check

        var listed = await _target.ListAsync(TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<BackupException>(() => TargetRoundTrip.ReadAsync(_target, CopyName));

        Assert.Empty(listed);
        Assert.Equal(BackupError.NotFound, refused.Error);
        Assert.Equal($"The drive 'usb' has no copy {CopyName}; 'd3kos-backup copies usb' lists them. Nothing was imported.", refused.Message);
    }

    [Fact]
    public async Task A_drive_that_is_not_there_is_said_as_the_drive_s_failure_by_every_call()
    {
        var ct = TestContext.Current.CancellationToken;
        using var source = CopySource.Open(_manager.Create(cancellationToken: TestContext.Current.CancellationToken).Path, readPassphrase: null, freeSpaceMargin: 0);

        BackupException[] refusals =
        [
            await Assert.ThrowsAsync<BackupException>(() => _target.UploadAsync(source, [], null, ct)),
            await Assert.ThrowsAsync<BackupException>(() => _target.ListAsync(ct)),
            await Assert.ThrowsAsync<BackupException>(() => _target.DeleteAsync(CopyName, ct)),
        ];
        var look = await _target.LookAsync(ct);

        Assert.All(refusals, refused => Assert.Equal(BackupError.TargetUnavailable, refused.Error));
        Assert.All(refusals, refused => Assert.Contains("is the drive plugged in and mounted there?", refused.Message, StringComparison.Ordinal));
        Assert.Equal(refusals[1].Message, look.Unavailable);
        Assert.Null(look.Copies);
    }

    public async ValueTask DisposeAsync()
    {
        await _target.DisposeAsync();
        await _services.DisposeAsync();
        _boat.Dispose();
    }
}
