namespace D3kos.Backup.Tests;

/// <summary>A repository target's settings and addresses: what is refused before restic ever runs.</summary>
public sealed class RepositorySettingsTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Theory]
    [InlineData("Backup:Targets:0:Format", "borg", "Format 'borg' is not a format of copies (openpgp-file, repository)")]
    [InlineData("Backup:Targets:0:Encrypt", "false", "Encrypt cannot be false for a repository")]
    [InlineData("Backup:Targets:0:KeepDaily", "0", "KeepDaily must be at least 1 and KeepWeekly 0 or more")]
    public void A_repository_setting_that_cannot_work_stops_the_start_with_its_name(string key, string value, string expected)
    {
        var settings = _boat.Settings(("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/usb"), ("Backup:Targets:0:Format", "repository"), (key, value));

        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Library.Create(settings));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("usb:0123abcd", true)]
    [InlineData("usb:0123ABCD", false)]
    [InlineData("usb:0123abc", false)]
    [InlineData("s3://bucket/boats/aurora/d3kos_backup_20260101_000000.tar.gz", false)]
    [InlineData("/media/usb/d3kos-backups/x:0123abcd", false)]
    public void Only_TARGET_colon_hex_id_is_a_snapshot_address(string address, bool expected) =>
        Assert.Equal(expected, BackupCopier.IsSnapshotAddress(address));

    [Fact]
    public void An_address_of_a_target_that_is_not_a_repository_is_refused_with_what_to_configure()
    {
        var (_, services) = Library.Create(_boat.Settings(("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/usb")));
        using var _ = services;
        var copier = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<BackupCopier>(services);

        var refused = Assert.Throws<BackupException>(() => copier.CheckBucketAddress("usb:0123abcd"));

        Assert.Equal(BackupError.InvalidInput, refused.Error);
        Assert.Contains("No repository target named 'usb' is configured", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _boat.Dispose();
}
