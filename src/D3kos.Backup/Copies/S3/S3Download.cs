using D3kos.Common.Files;
using Amazon.S3.Model;
using D3kos.Common.Storage;
using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>
/// A read-only stream over one object that resumes, from where it was, after a dropped line: a read that
/// fails is waited for (as an upload is) and continued with a ranged GET of the same object (its ETag must
/// match, so a copy replaced meanwhile is never spliced). A read that brings nothing for
/// <see cref="StalledAfter"/> counts as a dropped line too: a Wi-Fi that goes quiet without a reset would
/// otherwise hold the import for ever (the SDK's timeout covers only the headers). The waits are counted
/// between two reads that brought bytes, so a long download over a line that drops now and then goes on
/// as long as it makes progress. It is read asynchronously only: a read may wait minutes on the network.
/// </summary>
internal sealed class S3Download(S3Bucket bucket, string key, long length, string etag, BackupProgress? progress, ILogger logger) : ReadOnlyStream
{
    /// <summary>A read of a download that brings nothing for this long is a dropped line.</summary>
    private static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(60);

    private GetObjectResponse? _response;
    private long _position;
    private int _tries;

    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("A copy in a bucket is read asynchronously (ReadAsync).");

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
                S3Log.ResumingDownload(logger, bucket.Target.Name, (int)S3Bucket.ResumeAfter[_tries].TotalSeconds, ex.Message);
                await Task.Delay(S3Bucket.ResumeAfter[_tries++], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The rest of the object from <see cref="_position"/>, only if it is still the same object and the server honours the range.</summary>
    private async Task<GetObjectResponse> OpenAtAsync(CancellationToken cancellationToken)
    {
        var response = await bucket.Client.GetObjectAsync(new GetObjectRequest
        {
            BucketName = bucket.Target.Bucket,
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _response?.Dispose();
        }
        base.Dispose(disposing);
    }
}
