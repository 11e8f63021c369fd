using Amazon.S3.Model;

namespace D3kos.Backup;

/// <summary>The copies under a target's prefix: names directly under it that are copies of backups, never what else the bucket holds.</summary>
internal static class S3Listing
{
    /// <summary>A thousand objects a page: at most a hundred thousand looked at per listing.</summary>
    private const int MaxPages = 100;

    /// <summary>With their sizes and upload times, newest first.</summary>
    public static async Task<IReadOnlyList<TargetCopy>> CopiesAsync(S3Bucket bucket, CancellationToken cancellationToken)
    {
        var target = bucket.Target;
        var objects = new Dictionary<string, TargetCopy>(StringComparer.Ordinal);
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = await bucket.LookAsync((client, token) => client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = target.Bucket, Prefix = target.Prefix, ContinuationToken = continuation }, token), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[target.Prefix.Length..];
                // Only copies are kept: whoever else writes the bucket cannot make this hold their millions of names.
                if (!name.Contains('/', StringComparison.Ordinal) && CopyNames.IsCopy(name))
                {
                    objects[name] = new TargetCopy(name, item.Size ?? 0,
                        item.LastModified?.ToUniversalTime() is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null, bucket.Address(name));
                }
            }
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
            if (++pages >= MaxPages)
            {
                break; // a prefix of over a hundred thousand objects is not this boat's alone; the newest pages' copies are enough
            }
        }
        while (continuation is not null);
        return [.. CopyNames.NewestFirst(objects.Keys).Select(name => objects[name])];
    }
}
