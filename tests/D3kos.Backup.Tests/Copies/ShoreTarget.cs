using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>The S3 target "shore" the S3 tests configure: a bucket of the test's own on the Ceph gateway, this boat's prefix, 5 MiB parts.</summary>
internal static class ShoreTarget
{
    public const string Prefix = "boats/aurora/";

    public const string Passphrase = "correct horse battery staple";

    /// <summary>The library on <paramref name="boat"/> with this target, its secret key and the copies' passphrase set.</summary>
    public static (BackupManager Manager, BackupCopier Copier, ServiceProvider Services) Library(
        BoatRoot boat, string endpoint, string bucket, string secret, TimeProvider? time, params (string Key, string? Value)[] more)
    {
        var (manager, services) = Tests.Library.Create(boat.Settings(Settings(endpoint, bucket, more)), time);
        services.GetRequiredService<BackupPassphrase>().Set(Passphrase);
        services.GetRequiredService<CopySecrets>().Set("shore", secret);
        return (manager, services.GetRequiredService<BackupCopier>(), services);
    }

    public static (string Key, string? Value)[] Settings(string endpoint, string bucket, params (string Key, string? Value)[] more) =>
    [
        ("Backup:Targets:0:Name", "shore"),
        ("Backup:Targets:0:Kind", "s3"),
        ("Backup:Targets:0:Endpoint", endpoint),
        ("Backup:Targets:0:Bucket", bucket),
        ("Backup:Targets:0:Prefix", Prefix),
        ("Backup:Targets:0:AccessKey", CephGateway.AccessKey),
        ("Backup:Targets:0:PathStyle", "true"),
        ("Backup:Targets:0:PartSizeMiB", "5"),
        ("Backup:Targets:0:Format", "openpgp-file"),
        .. more,
    ];
}
