using Amazon.S3;
using Amazon.S3.Model;
using D3kos.Common.Storage;

namespace D3kos.Backup;

/// <summary>
/// One S3 target's bucket as every part of the target uses it: the client (made at the first call, from the
/// secret key, so a target whose key is not set can still be shown), the keys under the prefix, and the
/// deadlines and waits of its calls.
/// </summary>
internal sealed class S3Bucket(CopyTargetOptions target, Func<string> readSecret) : IDisposable
{
    /// <summary>The metadata that carries the SHA-256 of the file sent, checked on the way back.</summary>
    public const string Sha256Metadata = "sha256";

    /// <summary>
    /// Looking (a list, a head, a delete) carries no body to send, so it gets a short deadline, the SDK's own
    /// retries within it: "Show copies" over a line that is down says so within a minute, not after the part
    /// timeout. A page of a list (1,000 names, about 300 KB) still fits at the 16 KiB/s the parts allow for.
    /// </summary>
    private static readonly TimeSpan LookTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Waits between tries within one copy or fetch: a marina's Wi-Fi comes back within minutes more often than not.</summary>
    public static readonly TimeSpan[] ResumeAfter = [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)];

    private AmazonS3Client? _client;

    public CopyTargetOptions Target => target;

    /// <summary>
    /// The client; its first use reads the secret key. The timeout covers a whole part: it must fit the
    /// slowest link the boat may have (16 KiB/s, or half the configured limit), never less than two minutes.
    /// </summary>
    public AmazonS3Client Client => _client ??= S3Connection.Client(target.Endpoint, target.Region, target.PathStyle, target.AccessKey, readSecret(),
        TimeSpan.FromSeconds(Math.Max(120, target.PartSizeMiB * 1024.0 / (target.MaxKiBPerSecond > 0 ? target.MaxKiBPerSecond / 2.0 : 16))));

    public int ResumeTries => Math.Min(target.ResumeTries, ResumeAfter.Length);

    public string Key(string copyName) => target.Prefix + copyName;

    /// <summary>How the owner names a copy in this bucket to <c>d3kos-backup import</c>.</summary>
    public string Address(string copyName) => $"s3://{target.Bucket}/{Key(copyName)}";

    public Task<GetObjectMetadataResponse> HeadAsync(string key, CancellationToken cancellationToken) =>
        LookAsync((client, token) => client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = target.Bucket, Key = key }, token), cancellationToken);

    public Task<DeleteObjectResponse> DeleteAsync(string key, CancellationToken cancellationToken) =>
        LookAsync((client, token) => client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = target.Bucket, Key = key }, token), cancellationToken);

    /// <summary>A call without a body, within <see cref="LookTimeout"/>.</summary>
    public async Task<T> LookAsync<T>(Func<AmazonS3Client, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var client = Client;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(LookTimeout);
        try
        {
            return await call(client, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from the S3 service within {LookTimeout.TotalSeconds:0} s");
        }
    }

    public void Dispose() => _client?.Dispose();
}
