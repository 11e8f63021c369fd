using Amazon.Runtime;
using Amazon.S3;

namespace D3kos.Common.Storage;

/// <summary>
/// How d3kOS talks to S3-compatible object storage (AWS S3, Backblaze B2, Wasabi, MinIO, Ceph's RADOS
/// Gateway): one place for the client settings every S3 server takes, and for which failures may pass.
/// Used by the backups' copies and by the exports' delivery.
/// </summary>
public static partial class S3Connection
{
    /// <summary>A bucket name every S3 service takes: 3-63 lower-case letters, digits, '.' or '-'.</summary>
    public static bool IsBucketName(string name) => BucketPattern().IsMatch(name);

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex BucketPattern();

    /// <summary>
    /// A client for one service. <paramref name="timeout"/> covers one request, so it must fit the largest
    /// body sent at the slowest link the boat may have.
    /// </summary>
    public static AmazonS3Client Client(string endpoint, string region, bool pathStyle, string accessKey, string secretKey, TimeSpan timeout) =>
        new(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config
        {
            ServiceURL = endpoint,
            AuthenticationRegion = region,
            ForcePathStyle = pathStyle,
            // Ceph, MinIO and most other S3 servers refuse the SDK's default trailing CRC checksums
            // (XAmzContentSHA256Mismatch); every body carries its Content-MD5 instead.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 3,
            Timeout = timeout,
        });

    /// <summary>A failure that may pass: the network, a timeout, the server's 5xx, throttling, a request timeout.</summary>
    /// <remarks>
    /// An answer that did not come from an S3 server (a marina's captive portal: a 403 login page, a
    /// redirect) passes once the boat is through it. Damage on the way (a body whose digest does not match)
    /// passes on the next try too.
    /// </remarks>
    public static bool IsTransient(Exception exception) => exception switch
    {
        AmazonServiceException service => (int)service.StatusCode >= 500 || (int)service.StatusCode is 408 or 429 || service.StatusCode == 0
            || !IsFromS3Server(service)
            || service.ErrorCode is "SlowDown" or "RequestTimeout" or "BadDigest",
        HttpRequestException or IOException or System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException => true,
        AmazonClientException => true,
        _ => false,
    };

    /// <summary>
    /// Whether an error answer came from an S3 server. Every S3 server sends a request id (x-amz-request-id);
    /// without one and without an error document, the SDK names the error after the status ("Forbidden"),
    /// which is what a captive portal's page or a proxy's answer gives.
    /// </summary>
    public static bool IsFromS3Server(AmazonServiceException exception) =>
        !string.IsNullOrEmpty(exception.RequestId)
        || (!string.IsNullOrEmpty(exception.ErrorCode) && exception.ErrorCode != exception.StatusCode.ToString());

    /// <summary>The server refused who we are: a wrong access key or secret, or a key without the right to this bucket (an S3 server's own 403, with its code).</summary>
    public static bool IsRefusedCredentials(AmazonS3Exception exception) =>
        IsFromS3Server(exception) && (exception.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied"
            || (exception.StatusCode == System.Net.HttpStatusCode.Forbidden && exception.ErrorCode != "RequestTimeTooSkewed"));
}
