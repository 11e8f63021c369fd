using Amazon.S3.Model;
using D3kos.Testing;

namespace D3kos.Backup.Tests;

/// <summary>
/// Whoever can write to the bucket besides this Pi (another boat's key, a shore side taken over): retention
/// deletes only what this Pi sent (<see cref="CopyLedger"/>), and a copy's name must agree with the backup
/// inside it (<see cref="CopyNameCheck"/>). Against a real Ceph RADOS Gateway; the planted objects are put
/// with the S3 client directly, as another writer would.
/// </summary>
[Collection(CephCollection.Name)]
public sealed class BucketLedgerTests(CephGateway ceph) : IDisposable
{
    private readonly BoatRoot _boat = new();
    private const string Prefix = ShoreTarget.Prefix;

    private async Task<(BackupManager Manager, BackupCopier Copier, IDisposable Services, string Bucket)> LibraryAsync(
        bool encrypt = false, int keep = 2, BoatRoot? boat = null, string? bucket = null)
    {
        Assert.SkipWhen(ceph.Unavailable is not null, $"The S3 tests need {ceph.Unavailable}.");
        bucket ??= await ceph.NewBucketAsync();
        var (manager, copier, services) = ShoreTarget.Library(boat ?? _boat, ceph.Endpoint, bucket, CephGateway.SecretKey, null,
            ("Backup:Targets:0:Encrypt", encrypt ? "true" : "false"), ("Backup:Targets:0:Keep", keep.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return (manager, copier, services, bucket);
    }

    private async Task<List<string>> KeysAsync(string bucket)
    {
        using var client = ceph.Client();
        var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, TestContext.Current.CancellationToken);
        return [.. (listed.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal)];
    }

    private static async Task<string> CopyNewAsync(BackupManager manager, BackupCopier copier) =>
        (await copier.CopyAsync(manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName, "shore", null, TestContext.Current.CancellationToken)).CopyFile;

    [Fact]
    public async Task Planted_objects_in_the_bucket_are_never_deleted_by_retention_and_are_listed_as_not_sent_by_this_pi()
    {
        var ct = TestContext.Current.CancellationToken;
        var (manager, copier, services, bucket) = await LibraryAsync(keep: 2);
        using var _ = services;
        var sent = new List<string> { await CopyNewAsync(manager, copier), await CopyNewAsync(manager, copier) };
        var planted = Enumerable.Range(0, 10).Select(i => $"d3kos_backup_29990101_00000{i}.tar.gz").ToList();
        using (var client = ceph.Client())
        {
            foreach (var name in planted)
            {
                await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Prefix + name, ContentBody = "planted" }, ct);
            }
        }

        sent.Add(await CopyNewAsync(manager, copier));
        var listed = await copier.ListCopiesAsync("shore", ct);

        // Keep=2 of what this Pi sent: the oldest of its three goes, every planted object stays.
        Assert.Equal(planted.Concat(sent.Skip(1)).Select(n => Prefix + n).Order(StringComparer.Ordinal), await KeysAsync(bucket));
        Assert.All(listed.Where(c => planted.Contains(c.Name)), c => Assert.False(c.SentByThisPi, c.Name));
        Assert.All(listed.Where(c => sent.Contains(c.Name)), c => Assert.True(c.SentByThisPi, c.Name));
        Assert.Equal(12, listed.Count);
    }

    [Fact]
    public async Task Retention_keeps_exactly_keep_copies_this_pi_sent_newest_by_when_it_sent_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var (manager, copier, services, bucket) = await LibraryAsync(keep: 2);
        using var _ = services;
        var names = Enumerable.Range(0, 4).Select(_ => manager.Create(cancellationToken: ct).FileName).ToList();

        // The newest backup by name is sent first: by name it would stay, by when it was sent it goes.
        var deleted = new List<string>();
        foreach (var name in new[] { names[3], names[0], names[1], names[2] })
        {
            deleted.AddRange((await copier.CopyAsync(name, "shore", null, ct)).Deleted);
        }

        Assert.Equal([Prefix + names[1], Prefix + names[2]], await KeysAsync(bucket));
        Assert.Equal([names[3], names[0]], deleted);
    }

    [Fact]
    public async Task An_old_copy_put_back_under_a_newer_name_is_refused_at_import_and_nothing_is_kept()
    {
        var ct = TestContext.Current.CancellationToken;
        var (manager, copier, services, bucket) = await LibraryAsync(encrypt: true, keep: 10);
        using var _ = services;
        var old = await CopyNewAsync(manager, copier);
        const string Newer = "d3kos_backup_20991231_235959.tar.gz.gpg";
        using (var client = ceph.Client())
        {
            // A server-side copy keeps the object's bytes and the SHA-256 stored with it: only the name lies.
            await client.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = Prefix + old, DestinationBucket = bucket, DestinationKey = Prefix + Newer }, ct);
        }
        var before = manager.List().Select(b => b.Filename).ToList();

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.ImportFromBucketAsync($"s3://{bucket}/{Prefix}{Newer}", manager, ct));
        var genuine = await copier.ImportFromBucketAsync($"s3://{bucket}/{Prefix}{old}", manager, ct);

        Assert.Equal(BackupError.InvalidArchive, refused.Error);
        Assert.Contains("The copy's name says it was made 2099-12-31 23:59:59 UTC, but the backup inside was made", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("an older backup under a newer name, so nothing was kept.", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before.Append(genuine.Backup.Filename).Order(StringComparer.Ordinal), manager.List().Select(b => b.Filename).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(_boat.BackupsFolder, "*.partial"));
    }

    [Fact]
    public async Task An_imported_copy_says_when_it_was_made_and_whether_on_this_pi()
    {
        var ct = TestContext.Current.CancellationToken;
        var (manager, copier, services, bucket) = await LibraryAsync(encrypt: true, keep: 10);
        using var _ = services;
        var backup = manager.Create(cancellationToken: ct);
        var copy = (await copier.CopyAsync(backup.FileName, "shore", null, ct)).CopyFile;
        var manifest = ManifestOf(backup.Path);
        using var newPi = new BoatRoot(empty: true);
        var (newManager, newCopier, newServices, __) = await LibraryAsync(encrypt: true, boat: newPi, bucket: bucket);
        using var ___ = newServices;

        var here = await copier.ImportFromBucketAsync($"s3://{bucket}/{Prefix}{copy}", manager, ct);
        var elsewhere = await newCopier.ImportFromBucketAsync($"s3://{bucket}/{Prefix}{copy}", newManager, ct);
        var listedOnTheNewPi = await newCopier.ListCopiesAsync("shore", ct);

        Assert.Equal(manifest.Created, here.MadeAt);
        Assert.True(here.MadeHere);
        Assert.Equal(manifest.Created, elsewhere.MadeAt);
        Assert.False(elsewhere.MadeHere);
        Assert.Equal("aaaaaaaaaaaaaaaa", elsewhere.InstallationId);
        // The old Pi's copies are not the new one's to delete: it did not send them.
        Assert.False(Assert.Single(listedOnTheNewPi).SentByThisPi);
    }

    private static BackupManifest ManifestOf(string archive)
    {
        using var gzip = new System.IO.Compression.GZipStream(File.OpenRead(archive), System.IO.Compression.CompressionMode.Decompress);
        using var tar = new System.Formats.Tar.TarReader(gzip);
        return ManifestReader.Summarize(tar.GetNextEntry()!.DataStream!).Header;
    }

    public void Dispose() => _boat.Dispose();
}
