using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using D3kos.Common.Hosting;
using D3kos.Common.Storage;
using D3kos.ExportManager.Upload;
using Microsoft.Extensions.Options;

namespace D3kos.ExportManager;

/// <summary>How the retry queue behaves (configuration section "Export").</summary>
public sealed class ExportOptions
{
    public const string Section = "Export";

    /// <summary>How often the background processor looks at the queue even when nothing wakes it.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TimeSpanRange.Checked)]
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ProcessInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait between two attempts of the same entry.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TimeSpanRange.Checked)]
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>History entries, failed export files and delivered export files older than this are pruned.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TimeSpanRange.Checked)]
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>Where exports are delivered (configuration section "Central").</summary>
public sealed class CentralOptions : IValidatableObject
{
    public const string Section = "Central";

    /// <summary>
    /// http(s)://host/path posts each export; file:///dir copies it into dir (under the file-system root);
    /// s3://bucket/prefix puts it in S3-compatible storage at <see cref="Endpoint"/>.
    /// The default delivers into the local outbox, so a fresh install without network still delivers somewhere real.
    /// </summary>
    public string Url { get; set; } = "file:///opt/d3kos/data/exports/outbox";

    /// <summary>Bearer token for the central endpoint; the installation id is sent when this is empty.</summary>
    public string? Token { get; set; }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TimeSpanRange.Checked)]
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>s3: the service's address ("https://s3.eu-west-1.amazonaws.com", "http://rgw.fleet.lan:7480").</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>s3: the region requests are signed for ("us-east-1" where the service has none).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>s3: the access key id; its secret is read from <see cref="SecretKeyFile"/>, never from settings.</summary>
    public string AccessKey { get; set; } = "";

    /// <summary>s3: bucket in the path (MinIO, Ceph, most servers on a NAS) rather than in the host name (AWS, B2, Wasabi).</summary>
    public bool PathStyle { get; set; }

    /// <summary>s3: the file holding the secret key (root's or this service's, readable by nobody else).</summary>
    public string SecretKeyFile { get; set; } = CentralSecret.PiFile;

    /// <summary>Central:Url parsed: the one place that decides what a delivery address may be.</summary>
    public Uri? Target => Uri.TryCreate(Url, UriKind.Absolute, out var target) && target.Scheme is "http" or "https" or "file" or S3Scheme ? target : null;

    public const string S3Scheme = "s3";

    /// <summary>s3: the bucket, as written in Central:Url (Uri would lower-case a host, hiding a name S3 refuses).</summary>
    public string Bucket => Target?.Scheme == S3Scheme && Url.StartsWith(S3Scheme + "://", StringComparison.OrdinalIgnoreCase) ? Url[(S3Scheme.Length + 3)..].Split('/')[0] : "";

    /// <summary>s3: where under the bucket the fleet keeps boats' exports: Central:Url's path, relative, ending in '/' (or empty: the bucket's top).</summary>
    public string Prefix => Target is { } target && target.AbsolutePath.Trim('/') is { Length: > 0 } path ? Uri.UnescapeDataString(path) + "/" : "";

    /// <summary>
    /// Sends stored gzip exports as they are, with Content-Encoding: gzip (a tenth of the bytes over
    /// marina Wi-Fi). Off for a central endpoint that cannot take an encoded body: the file is then
    /// decompressed on the way out.
    /// </summary>
    public bool Compression { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Target is null)
        {
            yield return new ValidationResult($"Central:Url must be an absolute http, https, file or s3 URL, not '{Url}'", [nameof(Url)]);
            yield break;
        }
        if (Target.Scheme != S3Scheme)
        {
            yield break;
        }
        if (!S3Connection.IsBucketName(Bucket) || Target.UserInfo.Length > 0 || !Target.IsDefaultPort)
        {
            yield return new ValidationResult($"Central:Url must be s3://BUCKET/PREFIX with a bucket name (3-63 lower-case letters, digits, '.' or '-'), not '{Url}'", [nameof(Url)]);
        }
        if (Prefix.Contains("..", StringComparison.Ordinal) || Prefix.Contains("//", StringComparison.Ordinal) || Target.Query.Length > 0 || Target.Fragment.Length > 0)
        {
            yield return new ValidationResult($"Central:Url's prefix must be a plain folder in the bucket, without '..', a query or a fragment, not '{Url}'", [nameof(Url)]);
        }
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult("Central:Endpoint must be the http:// or https:// address of the S3 service when Central:Url is s3://", [nameof(Endpoint)]);
        }
        if (string.IsNullOrWhiteSpace(AccessKey) || string.IsNullOrWhiteSpace(Region))
        {
            yield return new ValidationResult("Central:AccessKey and Central:Region are required when Central:Url is s3://", [nameof(AccessKey)]);
        }
    }
}

/// <summary>Checks of the attributes above, generated at build time (no reflection, AOT-clean).</summary>
[OptionsValidator]
internal sealed partial class ExportOptionsValidator : IValidateOptions<ExportOptions>;

[OptionsValidator]
internal sealed partial class CentralOptionsValidator : IValidateOptions<CentralOptions>;
