using Microsoft.Extensions.Options;

namespace D3kos.ExportManager;

/// <summary>How the retry queue behaves (configuration section "Export").</summary>
public sealed class ExportOptions
{
    public const string Section = "Export";

    /// <summary>How often the background processor looks at the queue even when nothing wakes it.</summary>
    public TimeSpan ProcessInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait between two attempts of the same entry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    public int MaxAttempts { get; set; } = 3;

    /// <summary>History entries, failed export files and delivered export files older than this are pruned.</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>Where exports are delivered (configuration section "Central").</summary>
public sealed class CentralOptions
{
    public const string Section = "Central";

    /// <summary>
    /// http(s)://host/path posts each export; file:///dir copies it into dir (under the file-system root).
    /// The default delivers into the local outbox, so a fresh install without network still delivers somewhere real.
    /// </summary>
    public string Url { get; set; } = "file:///opt/d3kos/data/exports/outbox";

    /// <summary>Bearer token for the central endpoint; the installation id is sent when this is empty.</summary>
    public string? Token { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends stored gzip exports as they are, with Content-Encoding: gzip (a tenth of the bytes over
    /// marina Wi-Fi). Off for a central endpoint that cannot take an encoded body: the file is then
    /// decompressed on the way out.
    /// </summary>
    public bool Compression { get; set; } = true;
}

/// <summary>Hand-written checks: DataAnnotations' TimeSpan ranges need reflection that Native AOT cannot keep.</summary>
internal sealed class ExportOptionsValidator : IValidateOptions<ExportOptions>
{
    public ValidateOptionsResult Validate(string? name, ExportOptions options)
    {
        var failures = new List<string>();
        Check(failures, options.ProcessInterval >= TimeSpan.FromSeconds(1) && options.ProcessInterval <= TimeSpan.FromDays(1), "Export:ProcessInterval must be between 1 second and 1 day");
        Check(failures, options.RetryDelay >= TimeSpan.Zero && options.RetryDelay <= TimeSpan.FromDays(1), "Export:RetryDelay must be between 0 and 1 day");
        Check(failures, options.MaxAttempts is >= 1 and <= 100, "Export:MaxAttempts must be between 1 and 100");
        Check(failures, options.HistoryRetention >= TimeSpan.FromHours(1), "Export:HistoryRetention must be at least 1 hour");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Check(List<string> failures, bool ok, string message)
    {
        if (!ok)
        {
            failures.Add(message);
        }
    }
}

internal sealed class CentralOptionsValidator : IValidateOptions<CentralOptions>
{
    public ValidateOptionsResult Validate(string? name, CentralOptions options)
    {
        var failures = new List<string>();
        ExportOptionsValidator.Check(failures, Uri.TryCreate(options.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" or "file",
            $"Central:Url must be an absolute http, https or file URL, not '{options.Url}'");
        ExportOptionsValidator.Check(failures, options.Timeout >= TimeSpan.FromSeconds(1) && options.Timeout <= TimeSpan.FromHours(1), "Central:Timeout must be between 1 second and 1 hour");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
