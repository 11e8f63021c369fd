using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using D3kos.Common.Files;
using D3kos.Common.Storage;
using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>
/// Sends a file that does not change while it is sent as a multipart upload, resuming an upload a cut-off
/// run began: its id is kept in the outgoing folder, and ListParts says which parts the bucket has. Each
/// part carries its MD5, which the server checks; afterwards the object's ETag and the SHA-256 stored with
/// it are checked against the file sent.
/// </summary>
internal sealed class S3Upload(S3Bucket bucket, S3Staging staging, ILogger logger)
{
    private CopyTargetOptions Target => bucket.Target;

    private long PartSize => Target.PartSizeMiB * 1024L * 1024L;

    /// <summary>
    /// Sends the file as the object of that name; returns its size. A line that drops is waited for and the
    /// upload resumed, up to <see cref="S3Bucket.ResumeAfter"/>; after that the copy fails, and copying the
    /// same backup again resumes from the parts the bucket has.
    /// </summary>
    public async Task<long> SendAsync(string file, string copyName, BackupProgress? progress, CancellationToken cancellationToken)
    {
        var fileSha256 = await S3Parts.Sha256Async(file, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await SendOnceAsync(file, copyName, fileSha256, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && attempt < bucket.ResumeTries && S3Connection.IsTransient(ex))
            {
                S3Log.Resuming(logger, Target.Name, (int)S3Bucket.ResumeAfter[attempt].TotalSeconds, ex.Message);
                await Task.Delay(S3Bucket.ResumeAfter[attempt], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<long> SendOnceAsync(string file, string copyName, string fileSha256, BackupProgress? progress, CancellationToken cancellationToken)
    {
        var key = bucket.Key(copyName);
        var size = new FileInfo(file).Length;
        var state = staging.UploadStateFile(copyName);
        var uploadId = File.Exists(state) ? (await File.ReadAllTextAsync(state, cancellationToken).ConfigureAwait(false)).Trim() : null;
        var sent = uploadId is null ? null : await PartsSentAsync(key, uploadId, cancellationToken).ConfigureAwait(false);
        if (sent is null && uploadId is not null && await IsStoredAlreadyAsync(key, size, fileSha256, cancellationToken).ConfigureAwait(false))
        {
            // The upload was completed by a try whose check then broke off: check it, never send it again.
            await CheckAsync(key, size, await S3Parts.DigestsAsync(file, size, PartSize, cancellationToken).ConfigureAwait(false), fileSha256, cancellationToken).ConfigureAwait(false);
            AtomicFile.TryDelete(state);
            return size;
        }
        if (sent is null)
        {
            var started = await bucket.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
            {
                BucketName = Target.Bucket,
                Key = key,
                Metadata = { [S3Bucket.Sha256Metadata] = fileSha256 },
            }, cancellationToken).ConfigureAwait(false);
            uploadId = started.UploadId;
            staging.RememberUpload(copyName, uploadId);
            sent = [];
        }
        var etags = new List<PartETag>();
        var partDigests = new List<byte[]>();
        await foreach (var (part, length, md5, buffer) in S3Parts.ReadAsync(file, size, PartSize, cancellationToken).ConfigureAwait(false))
        {
            partDigests.Add(md5);
            var etag = Convert.ToHexStringLower(md5);
            if (!(sent.TryGetValue(part, out var there) && there.Size == length && there.ETag.Trim('"') == etag))
            {
                using var body = new MemoryStream(buffer, 0, length, writable: false);
                await bucket.Client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = Target.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = part,
                    InputStream = Target.MaxKiBPerSecond > 0 ? new ThrottledStream(body, Target.MaxKiBPerSecond * 1024L) : body,
                    PartSize = length,
                    MD5Digest = Convert.ToBase64String(md5),
                }, cancellationToken).ConfigureAwait(false);
            }
            etags.Add(new PartETag(part, etag));
            progress?.Report(Math.Min(size, part * PartSize));
        }
        await bucket.Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = Target.Bucket,
            Key = key,
            UploadId = uploadId,
            PartETags = etags,
        }, cancellationToken).ConfigureAwait(false);
        await CheckAsync(key, size, partDigests, fileSha256, cancellationToken).ConfigureAwait(false);
        AtomicFile.TryDelete(state);
        return size;
    }

    /// <summary>The object as the bucket has it: the ETag the server made from the parts it stored, and the SHA-256 sent along.</summary>
    private async Task CheckAsync(string key, long size, List<byte[]> partDigests, string fileSha256, CancellationToken cancellationToken)
    {
        var stored = await bucket.HeadAsync(key, cancellationToken).ConfigureAwait(false);
        var expected = S3Parts.ETagOf(partDigests);
        if (stored.ContentLength != size || stored.ETag?.Trim('"') != expected || stored.Metadata[S3Bucket.Sha256Metadata] != fileSha256)
        {
            // A copy that is not what was sent must not stand in the bucket as one, nor count for retention.
            await bucket.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            throw new BackupException(BackupError.TargetUnavailable,
                $"The copy in the bucket of '{Target.Name}' did not match what was sent ({stored.ContentLength} bytes, ETag {stored.ETag}; expected {size} bytes, {expected}), so it was removed. The local backup is kept.");
        }
    }

    /// <summary>Whether the bucket holds this copy whole already (its size and the SHA-256 it was sent with).</summary>
    private async Task<bool> IsStoredAlreadyAsync(string key, long size, string fileSha256, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await bucket.HeadAsync(key, cancellationToken).ConfigureAwait(false);
            return stored.ContentLength == size && stored.Metadata[S3Bucket.Sha256Metadata] == fileSha256;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>The parts an upload has already, or null when the bucket no longer knows it (aborted, or completed).</summary>
    private async Task<Dictionary<int, (long Size, string ETag)>?> PartsSentAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        var parts = new Dictionary<int, (long, string)>();
        int? marker = null;
        try
        {
            while (true)
            {
                var page = await bucket.LookAsync((client, token) => client.ListPartsAsync(new ListPartsRequest
                {
                    BucketName = Target.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumberMarker = marker?.ToString(CultureInfo.InvariantCulture),
                }, token), cancellationToken).ConfigureAwait(false);
                foreach (var part in page.Parts ?? [])
                {
                    parts[part.PartNumber ?? 0] = (part.Size ?? 0, part.ETag ?? "");
                }
                if (page.IsTruncated != true || page.NextPartNumberMarker is not { } next || next == marker)
                {
                    return parts;
                }
                marker = next;
            }
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload")
        {
            return null;
        }
    }
}
