using System.Globalization;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using D3kos.Common.Files;
using D3kos.Common.Storage;

namespace D3kos.Backup;

/// <summary>
/// S3-compatible object storage (AWS S3, Backblaze B2, Wasabi, MinIO, Ceph's RADOS Gateway), through the
/// AWS SDK. A copy goes up as a multipart upload of a file on the card that does not change while it is
/// sent: the encrypted copy is written first into the backups folder (root's alone), so a dropped
/// connection resumes with the parts the bucket does not have yet (ListParts says which) instead of
/// starting over, within the run or at the next one. Each part carries its MD5, which the server checks;
/// afterwards the object's ETag (the MD5 of the parts' MD5s) is checked against the file sent, and the
/// file's SHA-256, stored with the object, against the local one. Retention on the bucket counts only the
/// target's own copies under its prefix; anything else there is never touched.
/// </summary>
internal sealed class S3Target(CopyTargetOptions target, string secret, string outgoingFolder, TimeProvider time) : IDisposable
{
    private const string Sha256Metadata = "sha256";

    private static readonly TimeSpan StaleUpload = TimeSpan.FromDays(1);

    // The timeout covers a whole part: it must fit the slowest link the boat may have (16 KiB/s, or half the
    // configured limit), never less than two minutes.
    private readonly AmazonS3Client _client = S3Connection.Client(target.Endpoint, target.Region, target.PathStyle, target.AccessKey, secret,
        TimeSpan.FromSeconds(Math.Max(120, target.PartSizeMiB * 1024.0 / (target.MaxKiBPerSecond > 0 ? target.MaxKiBPerSecond / 2.0 : 16))));

    /// <summary>A read of a download that brings nothing for this long is a dropped line.</summary>
    private static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Looking (a list, a head, a delete) carries no body to send, so it gets a short deadline, the SDK's own
    /// retries within it: "Show copies" over a line that is down says so within a minute, not after the part
    /// timeout. A page of a list (1,000 names, about 300 KB) still fits at the 16 KiB/s the parts allow for.
    /// </summary>
    private static readonly TimeSpan LookTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Waits between tries within one copy: a marina's Wi-Fi comes back within minutes more often than not.</summary>
    private static readonly TimeSpan[] ResumeAfter = [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)];

    private int ResumeTries => Math.Min(target.ResumeTries, ResumeAfter.Length);

    private long PartSize => target.PartSizeMiB * 1024L * 1024L;

    private string Key(string copyName) => target.Prefix + copyName;

    private string BucketName => target.Bucket;

    /// <summary>Makes the file to send (the encrypted copy, or the backup itself) unless a run before left it, whole.</summary>
    public string Prepare(string backup, string sha256, char[]? passphrase, long margin)
    {
        if (passphrase is null)
        {
            return backup;
        }
        var copyName = CopyNames.For(Path.GetFileName(backup), encrypted: true);
        Directory.CreateDirectory(outgoingFolder, BackupPaths.FolderMode);
        var staged = Path.Combine(outgoingFolder, copyName);
        // The backup's checksum and the passphrase's fingerprint: after "key set" a staged copy made with the
        // old passphrase is never sent.
        var source = $"{sha256} {PassphraseFingerprint(passphrase)}";
        if (File.Exists(staged) && File.Exists(staged + ".source") && File.ReadAllText(staged + ".source").Trim() == source)
        {
            return staged; // left by a cut-off run: its parts in the bucket are of these very bytes
        }
        RemoveOutgoing(keep: null);
        FreeSpace.Ensure(outgoingFolder, new FileInfo(backup).Length + 64 * 1024, margin, $"to encrypt the copy for '{target.Name}'", "The local backup is kept; nothing was sent.");
        var partial = staged + ".partial";
        try
        {
            using (var output = new FileStream(partial, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = BackupPaths.ArchiveMode }))
            using (var input = new FileStream(backup, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var hashing = new HashingStream(input))
            {
                OpenPgpFile.Encrypt(hashing, output, passphrase, Path.GetFileName(backup), File.GetLastWriteTimeUtc(backup));
                if (hashing.TakeHashHex() != sha256)
                {
                    throw new BackupException(BackupError.InvalidArchive,
                        $"The local backup {Path.GetFileName(backup)} no longer matches its checksum (the card may be failing), so it was not copied; run verify on it.");
                }
                output.Flush(flushToDisk: true);
            }
            AtomicFile.MoveDurably(partial, staged, overwrite: true);
            AtomicFile.Write(staged + ".source", stream => stream.Write(System.Text.Encoding.ASCII.GetBytes(source + "\n")), BackupPaths.ArchiveMode);
            return staged;
        }
        finally
        {
            AtomicFile.TryDelete(partial);
        }
    }

    /// <summary>
    /// Sends the file as the object of that name, resuming an upload a cut-off run began; returns its size.
    /// A line that drops is waited for and the upload resumed, up to <see cref="ResumeAfter"/>; after that
    /// the copy fails, and copying the same backup again resumes from the parts the bucket has
    /// (<see cref="CopyTargetOptions.ResumeTries"/>, 4: over about four minutes).
    /// </summary>
    public long Upload(string file, string copyName, Action<Exception, TimeSpan>? retrying = null, BackupProgress? progress = null)
    {
        // Read once per copy, not per try: the file does not change while it is sent.
        var fileSha256 = BackupCatalog.ComputeChecksum(file);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return UploadOnce(file, copyName, fileSha256, progress);
            }
            catch (Exception ex) when (attempt < ResumeTries && S3Connection.IsTransient(ex))
            {
                retrying?.Invoke(ex, ResumeAfter[attempt]);
                Thread.Sleep(ResumeAfter[attempt]);
            }
        }
    }

    private long UploadOnce(string file, string copyName, string fileSha256, BackupProgress? progress)
    {
        var key = Key(copyName);
        var size = new FileInfo(file).Length;
        var state = Path.Combine(outgoingFolder, copyName + ".upload");
        var uploadId = File.Exists(state) ? File.ReadAllText(state).Trim() : null;
        var sent = uploadId is null ? null : PartsSent(key, uploadId);
        if (sent is null && uploadId is not null && IsStoredAlready(key, size, fileSha256))
        {
            // The upload was completed by a try whose check then broke off: check it, never send it again.
            Check(key, size, PartDigests(file, size), fileSha256);
            AtomicFile.TryDelete(state);
            return size;
        }
        if (sent is null)
        {
            var started = Wait(_client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
            {
                BucketName = target.Bucket,
                Key = key,
                Metadata = { [Sha256Metadata] = fileSha256 },
            }));
            uploadId = started.UploadId;
            Directory.CreateDirectory(outgoingFolder, BackupPaths.FolderMode);
            AtomicFile.Write(state, stream => stream.Write(System.Text.Encoding.ASCII.GetBytes(uploadId + "\n")), BackupPaths.ArchiveMode);
            sent = [];
        }
        var etags = new List<PartETag>();
        var partDigests = new List<byte[]>();
        foreach (var (part, length, md5, buffer) in Parts(file, size))
        {
            partDigests.Add(md5);
            var etag = Convert.ToHexStringLower(md5);
            if (!(sent.TryGetValue(part, out var there) && there.Size == length && there.ETag.Trim('"') == etag))
            {
                using var body = new MemoryStream(buffer, 0, length, writable: false);
                Wait(_client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = target.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = part,
                    InputStream = target.MaxKiBPerSecond > 0 ? new ThrottledStream(body, target.MaxKiBPerSecond * 1024L) : body,
                    PartSize = length,
                    MD5Digest = Convert.ToBase64String(md5),
                }));
            }
            etags.Add(new PartETag(part, etag));
            progress?.Report(Math.Min(size, part * PartSize));
        }
        Wait(_client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = target.Bucket,
            Key = key,
            UploadId = uploadId,
            PartETags = etags,
        }));
        Check(key, size, partDigests, fileSha256);
        AtomicFile.TryDelete(state);
        return size;
    }

    /// <summary>The object as the bucket has it: the ETag the server made from the parts it stored, and the SHA-256 sent along.</summary>
    private void Check(string key, long size, List<byte[]> partDigests, string fileSha256)
    {
        var stored = Look(token => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = target.Bucket, Key = key }, token));
        var expected = $"{Convert.ToHexStringLower(Md5(partDigests.SelectMany(d => d).ToArray()))}-{partDigests.Count}";
        if (stored.ContentLength != size || stored.ETag?.Trim('"') != expected || stored.Metadata[Sha256Metadata] != fileSha256)
        {
            // A copy that is not what was sent must not stand in the bucket as one, nor count for retention.
            Look(token => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = target.Bucket, Key = key }, token));
            throw new BackupException(BackupError.TargetUnavailable,
                $"The copy in the bucket of '{target.Name}' did not match what was sent ({stored.ContentLength} bytes, ETag {stored.ETag}; expected {size} bytes, {expected}), so it was removed. The local backup is kept.");
        }
    }

    /// <summary>Whether the bucket holds this copy whole already (its size and the SHA-256 it was sent with).</summary>
    private bool IsStoredAlready(string key, long size, string fileSha256)
    {
        try
        {
            var stored = Look(token => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = target.Bucket, Key = key }, token));
            return stored.ContentLength == size && stored.Metadata[Sha256Metadata] == fileSha256;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Each part's MD5, as the upload sent them: what the object's ETag is made of.</summary>
    private List<byte[]> PartDigests(string file, long size) => [.. Parts(file, size).Select(part => part.Md5)];

    /// <summary>
    /// The file in parts of <see cref="PartSize"/> (one, empty, for an empty file): each part's number, length
    /// and MD5, and the buffer that holds its bytes until the next part is read.
    /// </summary>
    private IEnumerable<(int Number, int Length, byte[] Md5, byte[] Buffer)> Parts(string file, long size)
    {
        var partCount = (int)Math.Max(1, (size + PartSize - 1) / PartSize);
        var buffer = new byte[(int)Math.Min(PartSize, Math.Max(size, 1))];
        using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        for (var part = 1; part <= partCount; part++)
        {
            var length = (int)Math.Min(PartSize, size - (part - 1) * PartSize);
            input.ReadExactly(buffer, 0, length);
            yield return (part, length, Md5(buffer.AsSpan(0, length)), buffer);
        }
    }

    /// <summary>The parts an upload has already, or null when the bucket no longer knows it (aborted, or completed).</summary>
    private Dictionary<int, (long Size, string ETag)>? PartsSent(string key, string uploadId)
    {
        var parts = new Dictionary<int, (long, string)>();
        int? marker = null;
        try
        {
            while (true)
            {
                var page = Look(token => _client.ListPartsAsync(new ListPartsRequest
                {
                    BucketName = target.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumberMarker = marker?.ToString(CultureInfo.InvariantCulture),
                }, token));
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

    /// <summary>Keeps the newest <see cref="CopyTargetOptions.Keep"/> copies under the prefix; never the one just sent, nothing that is not a copy.</summary>
    public IReadOnlyList<string> ApplyRetention(string justSent)
    {
        var doomed = Copies().Skip(target.Keep).Where(n => n != justSent).ToList();
        foreach (var name in doomed)
        {
            Look(token => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = target.Bucket, Key = Key(name) }, token));
        }
        return doomed;
    }

    /// <summary>The copies under the prefix, newest first: names directly under it that are copies of backups.</summary>
    public IReadOnlyList<string> Copies() => [.. CopiesWithSizes().Select(c => c.Name)];

    /// <summary>The copies under the prefix with their sizes and upload times, newest first.</summary>
    public IReadOnlyList<TargetCopy> CopiesWithSizes()
    {
        var objects = new Dictionary<string, TargetCopy>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = Look(cancel => _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = target.Bucket, Prefix = target.Prefix, ContinuationToken = token }, cancel));
            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[target.Prefix.Length..];
                if (!name.Contains('/', StringComparison.Ordinal))
                {
                    objects[name] = new TargetCopy(name, item.Size ?? 0, item.LastModified?.ToUniversalTime() is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null, Address(name));
                }
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return [.. CopyNames.NewestFirst(objects.Keys).Select(name => objects[name])];
    }

    /// <summary>How the owner names a copy in this bucket to <c>d3kos-backup import</c>.</summary>
    public string Address(string copyName) => $"s3://{target.Bucket}/{Key(copyName)}";

    /// <summary>
    /// Opens a copy for reading, as a stream that survives a dropped line: a read that fails is waited for
    /// (as an upload is) and continued from the byte it reached, with a ranged GET of the same object (its
    /// ETag must match, so a copy replaced meanwhile is never spliced). Also returns the SHA-256 the copy was
    /// sent with (null for an object not made by d3kOS).
    /// </summary>
    public (Stream Content, long Size, string? Sha256) Open(string copyName, BackupProgress? progress = null)
    {
        var key = Key(copyName);
        var head = Look(token => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = target.Bucket, Key = key }, token));
        var sha256 = head.Metadata[Sha256Metadata];
        progress?.Begin(BackupProgress.Fetching, head.ContentLength);
        return (new ResumingDownload(this, key, head.ContentLength, head.ETag, progress), head.ContentLength, string.IsNullOrEmpty(sha256) ? null : sha256);
    }

    /// <summary>
    /// A read-only stream over one object that resumes, from where it was, after a dropped line. A read that
    /// brings nothing for <see cref="StalledAfter"/> counts as a dropped line too: a Wi-Fi that goes quiet
    /// without a reset would otherwise hold the import for ever (the SDK's timeout covers only the headers).
    /// The waits are counted between two reads that brought bytes, so a long download over a line that
    /// drops now and then goes on as long as it makes progress.
    /// </summary>
    private sealed class ResumingDownload(S3Target bucket, string key, long length, string etag, BackupProgress? progress) : Stream
    {
        private GetObjectResponse? _response;
        private long _position;
        private int _tries;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                if (_position >= length || buffer.IsEmpty)
                {
                    return 0;
                }
                using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                stalled.CancelAfter(StalledAfter);
                try
                {
                    _response ??= await OpenAtAsync(stalled.Token).ConfigureAwait(false);
                    var read = await _response.ResponseStream.ReadAsync(buffer, stalled.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new IOException($"The S3 service ended the object at byte {_position} of {length}.");
                    }
                    _position += read;
                    _tries = 0;
                    progress?.Report(_position);
                    return read;
                }
                catch (OperationCanceledException) when (stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested && _tries >= bucket.ResumeTries)
                {
                    throw new TimeoutException($"no data from the S3 service for {StalledAfter.TotalSeconds:0} s at byte {_position} of {length}");
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && _tries < bucket.ResumeTries && S3Connection.IsTransient(ex))
                {
                    _response?.Dispose();
                    _response = null;
                    bucket.Resuming?.Invoke(ex, ResumeAfter[_tries]);
                    await Task.Delay(ResumeAfter[_tries++], cancellationToken).ConfigureAwait(false);
                }
            }
        }

        /// <summary>The rest of the object from <see cref="_position"/>, only if it is still the same object and the server honours the range.</summary>
        private async Task<GetObjectResponse> OpenAtAsync(CancellationToken cancellationToken)
        {
            var response = await bucket._client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = bucket.BucketName,
                Key = key,
                ByteRange = new ByteRange(_position, length - 1),
                EtagToMatch = etag,
            }, cancellationToken).ConfigureAwait(false);
            // A server (or a proxy on the way) that ignores Range answers 200 with the whole object: resuming
            // from it would splice the object's first bytes in at _position.
            if (response.ETag != etag)
            {
                // A proxy that ignores If-Match could hand over another object under the same name.
                response.Dispose();
                throw new IOException($"The copy changed in the bucket while it was read (ETag {response.ETag}, not {etag}).");
            }
            if (_position > 0 && (response.HttpStatusCode != System.Net.HttpStatusCode.PartialContent
                || response.ContentRange?.StartsWith($"bytes {_position}-", StringComparison.Ordinal) != true))
            {
                response.Dispose();
                throw new IOException($"The S3 service did not resume the copy at byte {_position} (it answered {(int)response.HttpStatusCode} {response.ContentRange}).");
            }
            return response;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _response?.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>Told when a download's line dropped and it waits to resume.</summary>
    public Action<Exception, TimeSpan>? Resuming { get; init; }

    /// <summary>Aborts uploads of copies under the prefix that began over a day ago (a run cut off for good); the bucket keeps their parts otherwise.</summary>
    public IReadOnlyList<string> AbortStaleUploads(string? current)
    {
        var stale = new List<MultipartUpload>();
        string? keyMarker = null, uploadIdMarker = null;
        while (true)
        {
            // Listed whole before anything is aborted: aborting while paging would move the markers.
            var page = Look(token => _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
            {
                BucketName = target.Bucket,
                Prefix = target.Prefix,
                KeyMarker = keyMarker,
                UploadIdMarker = uploadIdMarker,
            }, token));
            stale.AddRange((page.MultipartUploads ?? []).Where(upload =>
                upload.UploadId != current && CopyNames.NewestFirst([upload.Key[target.Prefix.Length..]]).Count == 1
                && upload.Initiated?.ToUniversalTime() < time.GetUtcNow().UtcDateTime - StaleUpload));
            if (page.IsTruncated != true || (page.NextKeyMarker == keyMarker && page.NextUploadIdMarker == uploadIdMarker))
            {
                break;
            }
            (keyMarker, uploadIdMarker) = (page.NextKeyMarker, page.NextUploadIdMarker);
        }
        foreach (var upload in stale)
        {
            Look(token => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = target.Bucket, Key = upload.Key, UploadId = upload.UploadId }, token));
        }
        return [.. stale.Select(upload => upload.Key[target.Prefix.Length..])];
    }

    /// <summary>The upload id a cut-off run left for this copy, if any.</summary>
    public string? PendingUpload(string copyName)
    {
        var state = Path.Combine(outgoingFolder, copyName + ".upload");
        return File.Exists(state) ? File.ReadAllText(state).Trim() : null;
    }

    /// <summary>Removes what was staged for this target, but the copy still being sent (<paramref name="keep"/>).</summary>
    public void RemoveOutgoing(string? keep)
    {
        if (!Directory.Exists(outgoingFolder))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(outgoingFolder).Where(f => keep is null || !Path.GetFileName(f).StartsWith(keep, StringComparison.Ordinal)))
        {
            AtomicFile.TryDelete(file);
        }
    }

    /// <summary>S3's own integrity checks (Content-MD5 of a part, the ETag of an upload) are MD5: not a security measure here, the SHA-256 is.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "The S3 protocol's Content-MD5 and ETag; integrity against damage, not an attacker (the SHA-256 and OpenPGP's MDC are).")]
    private static byte[] Md5(ReadOnlySpan<byte> bytes) => MD5.HashData(bytes);

    private static string PassphraseFingerprint(char[] passphrase) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(passphrase), "d3kos-staged-copy"u8))[..16];

    /// <summary>The SDK offers only asynchronous calls; a copy runs on a worker thread of its own (the copy lock is held).</summary>
    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    /// <summary>A call without a body, within <see cref="LookTimeout"/>.</summary>
    private static T Look<T>(Func<CancellationToken, Task<T>> call)
    {
        using var deadline = new CancellationTokenSource(LookTimeout);
        try
        {
            return call(deadline.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from the S3 service within {LookTimeout.TotalSeconds:0} s");
        }
    }

    public void Dispose() => _client.Dispose();
}
