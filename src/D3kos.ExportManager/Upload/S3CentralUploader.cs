using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using D3kos.Common.Files;
using D3kos.Common.Licensing;
using D3kos.Common.Storage;
using D3kos.ExportManager.Exports;
using D3kos.ExportManager.Queue;

namespace D3kos.ExportManager.Upload;

/// <summary>
/// Puts each export into S3-compatible storage (Central:Url=s3://bucket/prefix) as
/// <c>&lt;prefix&gt;&lt;installation_id&gt;/&lt;type&gt;/&lt;queue id&gt;.json</c>: the fleet's path to the shore at
/// scale. The key is made from the queue id alone, so an attempt repeated after a lost answer overwrites
/// itself, never stores the export twice. The body carries its Content-MD5, which the server checks, and
/// its SHA-256 as metadata. A stored gzip export goes as it is, with Content-Encoding: gzip (an HTTP GET of
/// the object gives the JSON); with Central:Compression=false it is decompressed first.
/// Throttling, 5xx, time-outs and the network are retried as for HTTP; a refusal (access denied, no such
/// bucket) fails the entry.
/// </summary>
public sealed partial class S3CentralUploader(IAmazonS3 client, CentralOptions options, LicenseReader license) : ICentralUploader, IDisposable
{
    public async Task<UploadOutcome> UploadAsync(QueueEntry entry, string exportFilePath, CancellationToken cancellationToken)
    {
        var installationId = license.Read().InstallationId;
        if (installationId is null || !SafeSegment().IsMatch(installationId))
        {
            // The boat's folder in the fleet's bucket is named by it: without one (or with one that is not a plain
            // name) the export would land among another boat's. It may appear once the license is written.
            return UploadOutcome.Retry("This device has no usable installation id (license.json), which names its folder in the bucket");
        }
        if (!SafeSegment().IsMatch(entry.Id))
        {
            // An id carried over from the Python queue could hold '/' or '..' and land outside this boat's folder.
            return UploadOutcome.Reject("The queue id is not a plain name (letters, digits, '-', '_'), so it cannot name an object in the fleet's bucket");
        }
        var key = $"{options.Prefix}{installationId}/{QueueNames.Of(entry.Type)}/{entry.Id}.json";
        var gzipped = ExportFiles.IsCompressed(exportFilePath);
        // Not named *.json: the exports folder's housekeeping and statistics must not take it for an export.
        var decompressed = gzipped && !options.Compression ? Path.Combine(Path.GetDirectoryName(exportFilePath)!, $".sending-{entry.Id}") : null;
        try
        {
            // Local work first: a failure here (a full card) is the queue's retry with its own message, not the bucket's.
            var body = decompressed is null ? exportFilePath : await DecompressAsync(exportFilePath, decompressed, cancellationToken).ConfigureAwait(false);
            var (md5, sha256) = await DigestsAsync(body, cancellationToken).ConfigureAwait(false);
            return await PutAsync(entry, installationId, key, body, gzipped && decompressed is null, md5, sha256, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (decompressed is not null)
            {
                AtomicFile.TryDelete(decompressed);
            }
        }
    }

    private async Task<UploadOutcome> PutAsync(QueueEntry entry, string installationId, string key, string body, bool gzipEncoded, string md5, string sha256, CancellationToken cancellationToken)
    {
        try
        {
            var request = new PutObjectRequest
            {
                BucketName = options.Bucket,
                Key = key,
                FilePath = body,
                ContentType = "application/json",
                MD5Digest = md5,
                // Signed whole rather than as aws-chunked: Ceph keeps "aws-chunked" as the object's Content-Encoding
                // otherwise, and a shore-side reader would be told the JSON is encoded in a way it is not.
                UseChunkEncoding = false,
                Metadata = { ["sha256"] = sha256, ["installation-id"] = installationId, ["queue-id"] = entry.Id },
            };
            if (gzipEncoded)
            {
                request.Headers.ContentEncoding = "gzip";
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            var response = await client.PutObjectAsync(request, timeout.Token).ConfigureAwait(false);
            // Every S3 server answers a stored object with its ETag; a 200 without one came from something on
            // the way (a captive portal), and the export is not in the bucket.
            return string.IsNullOrEmpty(response.ETag)
                ? UploadOutcome.Retry("The S3 service's answer had no ETag: something on the way (a captive portal?) answered instead")
                : UploadOutcome.Delivered;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return UploadOutcome.Retry($"No answer from the S3 service within {options.Timeout.TotalSeconds:0} s");
        }
        // A stop of the service is not a failed attempt: the queue keeps the entry as it was.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is Amazon.Runtime.AmazonServiceException || S3Connection.IsTransient(ex)))
        {
            return Classify(ex);
        }
    }

    /// <summary>As for HTTP: what may pass is retried (throttling, 5xx, time-outs, a clock not yet synchronised); a refusal fails the entry.</summary>
    internal static UploadOutcome Classify(Exception exception) => exception switch
    {
        // A Pi has no clock of its own: once NTP has set it the same request is accepted.
        AmazonS3Exception s3 when s3.ErrorCode == "RequestTimeTooSkewed" =>
            UploadOutcome.Retry("The S3 service refused the request because this Pi's clock is off (is it synchronised?)"),
        _ when S3Connection.IsTransient(exception) => UploadOutcome.Retry($"The S3 service could not be reached or failed: {exception.Message.TrimEnd('.')}"),
        AmazonS3Exception s3 when S3Connection.IsRefusedCredentials(s3) =>
            UploadOutcome.Reject($"The S3 service refused the credentials ({s3.ErrorCode}): check Central:AccessKey and the secret key"),
        AmazonS3Exception s3 when s3.ErrorCode == "NoSuchBucket" => UploadOutcome.Reject("The S3 service has no bucket of that name (Central:Url)"),
        Amazon.Runtime.AmazonServiceException service => UploadOutcome.Reject($"The S3 service refused the export ({service.ErrorCode}: {service.Message.TrimEnd('.')})"),
        _ => UploadOutcome.Retry(exception.Message),
    };

    private static async Task<string> DecompressAsync(string gzipFile, string plain, CancellationToken cancellationToken)
    {
        // A file left by an attempt cut off by a crash is replaced, never followed or appended to (CreateNew).
        AtomicFile.TryDelete(plain);
        await using (var input = new GZipStream(File.OpenRead(gzipFile), CompressionMode.Decompress))
        await using (var output = new FileStream(plain, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16, Options = FileOptions.Asynchronous,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        }
        return plain;
    }

    /// <summary>Content-MD5 (base64; the server checks it) and SHA-256 (hex; kept with the object), in one read.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "S3's Content-MD5: integrity against damage on the way, not an attacker (TLS and the SHA-256 are).")]
    private static async Task<(string Md5, string Sha256)> DigestsAsync(string file, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            md5.AppendData(buffer, 0, read);
            sha256.AppendData(buffer, 0, read);
        }
        return (Convert.ToBase64String(md5.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeSegment();

    public void Dispose() => client.Dispose();
}
