using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>An S3 target through <see cref="ICopyTarget"/>, against the real Ceph RADOS Gateway the S3 tests share.</summary>
[Collection(CephCollection.Name)]
public sealed class S3TargetTests(CephGateway ceph) : IAsyncLifetime
{
    private ServiceProvider? _services;
    private ICopyTarget? _target;
    private string _bucket = "";
    private readonly BoatRoot _boat = new();

    private BackupManager Manager => _services!.GetRequiredService<BackupManager>();

    private BackupCopier Copier => _services!.GetRequiredService<BackupCopier>();

    public async ValueTask InitializeAsync()
    {
        Assert.SkipWhen(ceph.Unavailable is not null, $"The S3 tests need {ceph.Unavailable}.");
        _bucket = await ceph.NewBucketAsync();
        (_, _services) = Library.Create(_boat.Settings(ShoreTarget.Settings(ceph.Endpoint, _bucket)));
        _services.GetRequiredService<BackupPassphrase>().Set("correct horse battery staple");
        _services.GetRequiredService<CopySecrets>().Set("shore", CephGateway.SecretKey);
        _target = _services.GetRequiredService<CopyTargetFactory>().Create(Copier.Targets[0]);
    }

    [Fact]
    public async Task A_copy_sent_through_the_interface_is_listed_read_back_with_its_checksum_and_deleted()
    {
        var backup = Manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var trip = await TargetRoundTrip.RunAsync(_target!, backup.Path);

        Assert.Equal([$"s3://{_bucket}/{ShoreTarget.Prefix}{backup.FileName}"], trip.Listed.Select(copy => copy.Address));
        Assert.Equal(File.ReadAllBytes(backup.Path), trip.Read);
        Assert.Equal(backup.Sha256, trip.Sha256);
        Assert.Empty(trip.ListedAfterDelete);
    }

    [Fact]
    public async Task A_cancelled_upload_leaves_no_object_and_the_next_copy_completes_the_same_upload()
    {
        var images = _boat.Root.At("/opt/d3kos/data/images/voyage.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(images)!);
        File.WriteAllBytes(images, System.Security.Cryptography.RandomNumberGenerator.GetBytes(12 << 20)); // three parts of 5 MiB
        var backup = Manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var ct = TestContext.Current.CancellationToken;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Cancelled as soon as the first part is in the bucket.
        var progress = new BackupProgress(p => { if (p.Phase == BackupProgress.Copying && p.Done > 0) cancel.Cancel(); });
        using var client = ceph.Client();
        var key = ShoreTarget.Prefix + backup.FileName + ".gpg";

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Copier.CopyAsync(backup.FileName, "shore", progress, cancel.Token));
        var objects = (await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = _bucket }, ct)).S3Objects ?? [];
        var unfinished = (await client.ListMultipartUploadsAsync(_bucket, ct)).MultipartUploads.Single();
        var partsThere = (await client.ListPartsAsync(_bucket, key, unfinished.UploadId, ct)).Parts?.Count ?? 0;
        var status = Copier.LastCopy("shore")!;
        var copy = await Copier.CopyAsync(backup.FileName, "shore", null, ct);
        var left = (await client.ListMultipartUploadsAsync(_bucket, ct)).MultipartUploads ?? [];
        var imported = await Copier.ImportFromBucketAsync($"s3://{_bucket}/{key}", Manager, ct);

        Assert.Empty(objects);
        Assert.Equal(key, unfinished.Key);
        Assert.Equal(1, partsThere);
        Assert.Equal("The copy was cancelled before it finished. The local backup is kept.", status.Error);
        // The upload the cancelled copy began was completed, not left beside a new one.
        Assert.Empty(left);
        Assert.Equal(backup.FileName + ".gpg", copy.CopyFile);
        Assert.Equal(backup.Sha256, imported.Backup.Sha256);
    }

    public async ValueTask DisposeAsync()
    {
        if (_target is not null)
        {
            await _target.DisposeAsync();
        }
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
        _boat.Dispose();
    }
}
