using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>The one place that maps a configured kind of target to its class.</summary>
public sealed class CopyTargetFactoryTests : IDisposable
{
    private readonly BoatRoot _boat = new();
    private readonly ServiceProvider _services;

    public CopyTargetFactoryTests() => (_, _services) = Library.Create(_boat.Settings(
        ("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/usb"),
        ("Backup:Targets:1:Name", "shore"), ("Backup:Targets:1:Kind", "s3"), ("Backup:Targets:1:Endpoint", "http://127.0.0.1:9"),
        ("Backup:Targets:1:Bucket", "fleet-backups"), ("Backup:Targets:1:Prefix", "boats/aurora/"), ("Backup:Targets:1:AccessKey", "AKIAEXAMPLE"),
        ("Backup:Targets:1:Format", "openpgp-file"),
        ("Backup:Targets:2:Name", "fleet"), ("Backup:Targets:2:Kind", "s3"), ("Backup:Targets:2:Endpoint", "http://127.0.0.1:9"),
        ("Backup:Targets:2:Bucket", "fleet-backups"), ("Backup:Targets:2:Prefix", "boats/aurora-repo/"), ("Backup:Targets:2:AccessKey", "AKIAEXAMPLE"),
        ("Backup:Targets:3:Name", "stick"), ("Backup:Targets:3:Path", "/media/stick"), ("Backup:Targets:3:Format", "repository")));

    private CopyTargetFactory Factory => _services.GetRequiredService<CopyTargetFactory>();

    [Fact]
    public void A_kind_this_version_cannot_copy_to_is_refused_with_the_target_s_name()
    {
        var refused = Assert.Throws<BackupException>(() => Factory.Create(new CopyTargetOptions { Name = "vault", Kind = "restic" }));

        Assert.Equal(BackupError.InvalidInput, refused.Error);
        Assert.Contains("'vault' is of a kind this version cannot copy to ('restic'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_kind_is_made_as_its_own_target_and_a_bucket_is_looked_at_without_the_network()
    {
        var settings = _services.GetRequiredService<BackupCopier>().Targets;

        await using var drive = Factory.Create(settings[0]);
        await using var bucket = Factory.Create(settings[1]);
        var look = await bucket.LookAsync(TestContext.Current.CancellationToken);

        Assert.IsType<DriveTarget>(drive);
        Assert.Equal(("usb", "drive", "/media/usb"), (drive.Name, drive.Kind, drive.Location));
        Assert.IsType<S3Target>(bucket);
        Assert.Equal(("shore", "s3", "http://127.0.0.1:9/fleet-backups/boats/aurora/"), (bucket.Name, bucket.Kind, bucket.Location));
        // Port 9 answers nothing: a look that went to the network would fail, not say the key is missing.
        Assert.Null(look.Copies);
        Assert.Equal("No secret key is set for 'shore' (sudo d3kos-backup secret set shore).", look.Unavailable);
    }

    [Fact]
    public async Task A_new_s3_target_is_a_repository_a_drive_is_one_when_the_owner_says_so_and_neither_looks_over_the_network()
    {
        var settings = _services.GetRequiredService<BackupCopier>().Targets;

        await using var bucket = Factory.Create(settings[2]);
        await using var drive = Factory.Create(settings[3]);
        var look = await bucket.LookAsync(TestContext.Current.CancellationToken);

        Assert.IsType<RepositoryTarget>(bucket);
        Assert.Equal(("fleet", "s3", "http://127.0.0.1:9/fleet-backups/boats/aurora-repo/"), (bucket.Name, bucket.Kind, bucket.Location));
        Assert.Equal("No secret key is set for 'fleet' (sudo d3kos-backup secret set fleet).", look.Unavailable);
        Assert.IsType<RepositoryTarget>(drive);
        Assert.Equal("/media/stick/d3kos-backups/restic-repository", drive.Location);
    }

    [Fact]
    public async Task An_s3_target_this_Pi_sent_openpgp_files_to_before_the_upgrade_keeps_sending_them()
    {
        var paths = _services.GetRequiredService<BackupPaths>();
        var fleet = _services.GetRequiredService<BackupCopier>().Targets[2];
        paths.EnsureBackupsFolder();
        File.WriteAllText(paths.CopyStatusFile("fleet"),
            """{"time":"2026-05-01T03:30:00+00:00","succeeded":true,"backup_file":"d3kos_backup_20260501_033000.tar.gz","copy_file":"d3kos_backup_20260501_033000.tar.gz.gpg","size_bytes":1,"encrypted":true,"duration_ms":1,"error":null}""");

        await using var bucket = Factory.Create(fleet);

        Assert.IsType<S3Target>(bucket);
        Assert.Equal(CopyTargetOptions.OpenPgpFileFormat, CopyFormats.Of(fleet, paths));
        Assert.Equal(CopyTargetOptions.OpenPgpFileFormat, CopyFormats.Of(new CopyTargetOptions { Name = "plain", Kind = "s3", Encrypt = false }, paths));
    }

    public void Dispose()
    {
        _services.Dispose();
        _boat.Dispose();
    }
}
