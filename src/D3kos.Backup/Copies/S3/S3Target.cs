using Amazon.Runtime;
using D3kos.Common.Storage;
using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>
/// S3-compatible object storage (AWS S3, Backblaze B2, Wasabi, MinIO, Ceph's RADOS Gateway), through the
/// AWS SDK. A copy is staged whole on the card (<see cref="S3Staging"/>) and sent as a multipart upload
/// that resumes after a dropped line (<see cref="S3Upload"/>); a copy is read back as a stream that
/// resumes too (<see cref="S3Download"/>). Only the target's own copies under its prefix are listed or
/// deleted; anything else in the bucket is never touched.
/// </summary>
internal sealed class S3Target(CopyTargetOptions target, CopySecrets secrets, string outgoingFolder, TimeProvider time, ILogger logger) : ICopyTarget
{
    private readonly S3Bucket _bucket = new(target, () => secrets.Read(target.Name));
    private readonly S3Staging _staging = new(target, outgoingFolder);

    public string Name => target.Name;

    public string Kind => target.Kind;

    public string Location => target.Endpoint + "/" + target.Bucket + "/" + target.Prefix;

    public Task<SentCopy> UploadAsync(CopySource source, IReadOnlyList<string> sentEarlier, BackupProgress? progress, CancellationToken cancellationToken) => Say(CopyConsequence.Copy, async () =>
    {
        _ = _bucket.Client; // the secret key first: without it nothing is staged
        var file = await _staging.PrepareAsync(source, cancellationToken).ConfigureAwait(false);
        progress?.Begin(BackupProgress.Copying, new FileInfo(file).Length);
        var size = await new S3Upload(_bucket, _staging, logger).SendAsync(file, source.CopyName, progress, cancellationToken).ConfigureAwait(false);
        // Sent and checked: nothing staged for this target is needed any more.
        _staging.RemoveAll();
        await AbortStaleUploadsAsync(cancellationToken).ConfigureAwait(false);
        return new SentCopy(source.CopyName, size);
    }, cancellationToken);

    public Task<T> DownloadAsync<T>(string copyName, Func<CopyDownload, CancellationToken, Task<T>> receive, BackupProgress? progress, CancellationToken cancellationToken) =>
        Say(CopyConsequence.Import, async () =>
        {
            var key = _bucket.Key(copyName);
            var head = await _bucket.HeadAsync(key, cancellationToken).ConfigureAwait(false);
            var sha256 = head.Metadata[S3Bucket.Sha256Metadata];
            progress?.Begin(BackupProgress.Fetching, head.ContentLength);
            await using var content = new S3Download(_bucket, key, head.ContentLength, head.ETag, progress, logger);
            return await receive(new CopyDownload(content, head.ContentLength, string.IsNullOrEmpty(sha256) ? null : sha256), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<TargetCopy>> ListAsync(CancellationToken cancellationToken) =>
        Say(CopyConsequence.Look, () => S3Listing.CopiesAsync(_bucket, cancellationToken), cancellationToken);

    public Task DeleteAsync(string copyName, CancellationToken cancellationToken) =>
        Say(CopyConsequence.Look, () => _bucket.DeleteAsync(_bucket.Key(copyName), cancellationToken), cancellationToken);

    /// <summary>The status never waits on the network: a bucket's copies are listed by a copy, not by a look.</summary>
    public Task<TargetLook> LookAsync(CancellationToken cancellationToken) => Task.FromResult(new TargetLook(null,
        secrets.IsSet(target.Name) ? null : $"No secret key is set for '{target.Name}' (sudo d3kos-backup secret set {target.Name})."));

    /// <summary>The copy is there and checked: a clean-up that fails (a write-only key, an object lock) is a warning, not a failed copy.</summary>
    private async Task AbortStaleUploadsAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var name in await S3StaleUploads.AbortAsync(_bucket, time, cancellationToken).ConfigureAwait(false))
            {
                S3Log.StaleUploadAborted(logger, name, target.Name);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is AmazonServiceException || S3Connection.IsTransient(ex)))
        {
            S3Log.CleanUpFailed(logger, target.Name, ex.Message);
        }
    }

    private Task<T> Say<T>(CopyConsequence consequence, Func<Task<T>> work, CancellationToken cancellationToken) =>
        CopyFailures.SayAsync(work, exception => S3Failures.Explain(exception, target, consequence), cancellationToken);

    public ValueTask DisposeAsync()
    {
        _bucket.Dispose();
        return ValueTask.CompletedTask;
    }
}
