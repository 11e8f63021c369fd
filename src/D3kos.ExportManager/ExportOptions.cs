using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using D3kos.Common.Hosting;
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
    /// http(s)://host/path posts each export; file:///dir copies it into dir (under the file-system root).
    /// The default delivers into the local outbox, so a fresh install without network still delivers somewhere real.
    /// </summary>
    public string Url { get; set; } = "file:///opt/d3kos/data/exports/outbox";

    /// <summary>Bearer token for the central endpoint; the installation id is sent when this is empty.</summary>
    public string? Token { get; set; }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TimeSpanRange.Checked)]
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Central:Url parsed: the one place that decides what a delivery address may be.</summary>
    public Uri? Target => Uri.TryCreate(Url, UriKind.Absolute, out var target) && target.Scheme is "http" or "https" or "file" ? target : null;

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
            yield return new ValidationResult($"Central:Url must be an absolute http, https or file URL, not '{Url}'", [nameof(Url)]);
        }
    }
}

/// <summary>Checks of the attributes above, generated at build time (no reflection, AOT-clean).</summary>
[OptionsValidator]
internal sealed partial class ExportOptionsValidator : IValidateOptions<ExportOptions>;

[OptionsValidator]
internal sealed partial class CentralOptionsValidator : IValidateOptions<CentralOptions>;
