using System.Text.Json;
using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>Repository copies (restic) to S3, against the real Ceph RADOS Gateway, read back by the real restic as a laptop would.</summary>
[Collection(CephCollection.Name)]
public sealed class S3RepositoryTests(CephGateway ceph) : IDisposable
{
    private readonly BoatRoot _boat = new();

    /// <summary>The library with the "shore" target as a new S3 target is: no Format, so a repository.</summary>
    private async Task<(BackupManager Manager, BackupCopier Copier, ServiceProvider Services, string Bucket)> LibraryAsync(
        string? endpoint = null, BoatRoot? boat = null, string? bucket = null, TimeProvider? time = null)
    {
        Assert.SkipWhen(ceph.Unavailable is not null, $"The S3 tests need {ceph.Unavailable}.");
        LaptopRestic.SkipUnlessInstalled();
        bucket ??= await ceph.NewBucketAsync();
        var (manager, copier, services) = ShoreTarget.Library(boat ?? _boat, endpoint ?? ceph.Endpoint, bucket, CephGateway.SecretKey, time, ("Backup:Targets:0:Format", ""));
        return (manager, copier, services, bucket);
    }

    private string Repository(string bucket) => $"s3:{ceph.Endpoint}/{bucket}/{ShoreTarget.Prefix.TrimEnd('/')}";

    private static Dictionary<string, string> Keys => new() { ["AWS_ACCESS_KEY_ID"] = CephGateway.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = CephGateway.SecretKey };

    private void Images(int megabytes) => SeededImages(_boat, megabytes);

    /// <summary>
    /// Incompressible bytes, the same every run: where restic's content-defined chunks fall around a change
    /// (up to 8 MiB each) depends on the bytes, so random ones would make the sent bytes a matter of luck
    /// (48 MiB: the next day's copy sends 1.8%, and stores 3.3% on a drive).
    /// </summary>
    internal static void SeededImages(BoatRoot boat, int megabytes)
    {
        var file = boat.Root.At("/opt/d3kos/data/images/voyage.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var bytes = new byte[megabytes << 20];
        new Random(32).NextBytes(bytes);
        File.WriteAllBytes(file, bytes);
    }

    private void BoatLogGrows(int entries) =>
        _boat.Root.WithBoatlog(Enumerable.Range(0, entries).Select(i => ((object)(1000L + i), $"2026-02-21T12:{i % 60:00}:00", "position", $"Entry {i} off Port Credit", (double?)43.55, (double?)-79.52)));

    [Fact]
    public async Task A_second_copy_after_a_small_change_sends_only_the_change_and_restic_on_a_laptop_restores_it_byte_identical()
    {
        Images(48);
        using var proxy = new CuttingProxy(ceph.Port);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 3, 30, 0, TimeSpan.Zero));
        var (manager, copier, services, bucket) = await LibraryAsync(endpoint: proxy.Endpoint, time: time);
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        var first = manager.Create(cancellationToken: ct);
        var firstCopy = await copier.CopyAsync(first.FileName, "shore", null, ct);
        var full = proxy.BytesSent;
        proxy.Reopen();
        time.Advance(TimeSpan.FromDays(1)); // the next day's copy: restic keeps one snapshot a day
        BoatLogGrows(300);
        var second = manager.Create(cancellationToken: ct);

        var secondCopy = await copier.CopyAsync(second.FileName, "shore", null, ct);

        var change = proxy.BytesSent;
        Assert.True(change <= full / 20, $"the second copy sent {change} bytes, more than 5% of the first's {full}");
        Assert.Equal(CopyTargetOptions.RepositoryFormat, secondCopy.Format);
        Assert.Matches("^shore:[0-9a-f]{8}$", secondCopy.CopyFile);
        Assert.True(firstCopy.SizeBytes > 48L << 20 && secondCopy.SizeBytes < full / 20, $"{firstCopy.SizeBytes} then {secondCopy.SizeBytes} bytes of new data");
        var snapshots = JsonDocument.Parse(LaptopRestic.RunOk(Repository(bucket), Keys, "snapshots", "--json")).RootElement;
        Assert.Equal([$"d3kos-backup={first.FileName}", $"d3kos-backup={second.FileName}"],
            snapshots.EnumerateArray().SelectMany(s => s.GetProperty("tags").EnumerateArray()).Select(tag => tag.GetString()!)
                .Where(tag => tag.StartsWith("d3kos-backup=", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("no errors were found", LaptopRestic.RunOk(Repository(bucket), Keys, "check", "--read-data"), StringComparison.Ordinal);
        var files = Path.Combine(_boat.Root.Path, "..", $"laptop-{Guid.NewGuid():N}");
        try
        {
            LaptopRestic.AssertRestoresTheBackup(Repository(bucket), Keys, second.Path, files);
            Assert.Equal(File.ReadAllBytes(_boat.Root.At("/opt/d3kos/data/images/voyage.bin")), File.ReadAllBytes(Path.Combine(files, "opt/d3kos/data/images/voyage.bin")));
        }
        finally
        {
            Directory.Delete(files, recursive: true);
        }
    }

    [Fact]
    public async Task A_new_Pi_lists_the_snapshots_imports_one_checked_with_its_manifest_and_restores_every_file()
    {
        Images(6);
        var (manager, copier, services, bucket) = await LibraryAsync();
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        await copier.CopyAsync(manager.Create(cancellationToken: ct).FileName, "shore", null, ct);
        using var newPi = new BoatRoot(empty: true);
        var (newManager, newCopier, newServices, __) = await LibraryAsync(boat: newPi, bucket: bucket);
        using var ___ = newServices;

        var listed = await newCopier.ListCopiesAsync("shore", ct);
        var imported = await newCopier.ImportFromBucketAsync(listed[0].Address, newManager, ct);
        var restored = newManager.Restore(imported.Backup.Filename, replaceInstallationId: false, cancellationToken: ct);

        Assert.Single(listed);
        Assert.Matches("^shore:[0-9a-f]{8}$", listed[0].Address);
        Assert.Equal("imported", imported.Backup.Kind);
        Assert.True(restored.FilesRestored > 5);
        File.Delete(_boat.Root.At("/opt/d3kos/config/.settings.json.1234.tmp")); // no backup takes an editor's temporary file
        foreach (var source in new[] { "/opt/d3kos/config", "/opt/d3kos/data", "/var/www/html", "/home/d3kos" })
        {
            TreeSnapshot.AssertSame(TreeSnapshot.Take(_boat.Root.At(source)), TreeSnapshot.Take(newPi.Root.At(source)));
        }
    }

    [Fact]
    public async Task A_copy_killed_mid_way_is_followed_by_a_good_one_and_restic_check_finds_no_error()
    {
        Images(24);
        var (manager, copier, services, bucket) = await LibraryAsync();
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        var backup = manager.Create(cancellationToken: ct);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Killed once restic has half of it: what a power cut or a dropped line leaves (a lock, packs without an index).
        var halfway = new BackupProgress(p =>
        {
            if (p.Phase == BackupProgress.Copying && p.Total > 0 && p.Done > p.Total / 2)
            {
                cut.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copier.CopyAsync(backup.FileName, "shore", halfway, cut.Token));
        var good = await copier.CopyAsync(backup.FileName, "shore", null, ct);

        Assert.False(copier.LastCopy("shore")!.Error is not null);
        var snapshots = JsonDocument.Parse(LaptopRestic.RunOk(Repository(bucket), Keys, "snapshots", "--json")).RootElement;
        Assert.Equal(good.CopyFile["shore:".Length..], Assert.Single(snapshots.EnumerateArray().ToList()).GetProperty("short_id").GetString());
        Assert.Contains("no errors were found", LaptopRestic.RunOk(Repository(bucket), Keys, "check", "--read-data"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_are_the_same_one_sentence_as_for_an_openpgp_copy_and_the_local_backup_is_kept()
    {
        var (manager, copier, services, _) = await LibraryAsync();
        using var __ = services;
        services.GetRequiredService<CopySecrets>().Set("shore", "not-the-secret-key-at-all-000000000000");
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var failure = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, failure.Error);
        Assert.StartsWith("The S3 target 'shore' refused the credentials (", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith("check its AccessKey and secret key (sudo d3kos-backup secret set shore). The local backup is kept.", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", failure.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(backup.Path));
        Assert.Equal(failure.Message, copier.LastCopy("shore")!.Error);
    }

    public void Dispose() => _boat.Dispose();
}
