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
        ("Backup:Targets:1:Bucket", "fleet-backups"), ("Backup:Targets:1:Prefix", "boats/aurora/"), ("Backup:Targets:1:AccessKey", "AKIAEXAMPLE")));

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

    public void Dispose()
    {
        _services.Dispose();
        _boat.Dispose();
    }
}
