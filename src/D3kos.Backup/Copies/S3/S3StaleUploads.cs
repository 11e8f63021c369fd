using Amazon.S3.Model;

namespace D3kos.Backup;

/// <summary>
/// Uploads of copies under the prefix that began over a day ago belong to runs cut off for good: the bucket
/// keeps (and bills) their parts until they are aborted. Uploads of names that are not copies are not ours.
/// </summary>
internal static class S3StaleUploads
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromDays(1);

    /// <summary>Aborts them; returns the copies' names.</summary>
    public static async Task<IReadOnlyList<string>> AbortAsync(S3Bucket bucket, TimeProvider time, CancellationToken cancellationToken)
    {
        var target = bucket.Target;
        var stale = new List<MultipartUpload>();
        string? keyMarker = null, uploadIdMarker = null;
        while (true)
        {
            // Listed whole before anything is aborted: aborting while paging would move the markers.
            var page = await bucket.LookAsync((client, token) => client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
            {
                BucketName = target.Bucket,
                Prefix = target.Prefix,
                KeyMarker = keyMarker,
                UploadIdMarker = uploadIdMarker,
            }, token), cancellationToken).ConfigureAwait(false);
            stale.AddRange((page.MultipartUploads ?? []).Where(upload =>
                CopyNames.NewestFirst([upload.Key[target.Prefix.Length..]]).Count == 1
                && upload.Initiated?.ToUniversalTime() < time.GetUtcNow().UtcDateTime - StaleAfter));
            if (page.IsTruncated != true || (page.NextKeyMarker == keyMarker && page.NextUploadIdMarker == uploadIdMarker))
            {
                break;
            }
            (keyMarker, uploadIdMarker) = (page.NextKeyMarker, page.NextUploadIdMarker);
        }
        foreach (var upload in stale)
        {
            await bucket.LookAsync((client, token) => client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = target.Bucket, Key = upload.Key, UploadId = upload.UploadId }, token), cancellationToken).ConfigureAwait(false);
        }
        return [.. stale.Select(upload => upload.Key[target.Prefix.Length..])];
    }
}
