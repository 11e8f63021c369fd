using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using D3kos.Common.Hosting;
using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>Who may run the admin operations (configuration section "Auth").</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>
    /// Where the browser sessions are kept (as hashes), and the pairing codes waiting to be taken: this Pi's
    /// state, outside every backup source, so no backup holds them and a restore never touches them (a
    /// restore run from the page keeps its owner signed in; a sign-out during a restore is not undone).
    /// </summary>
    public const string SessionsFolder = "/var/lib/d3kos/sessions";

    public const string PairingFolder = "/var/lib/d3kos/pairing";

    /// <summary>The token as configuration; when empty, <see cref="TokenFile"/> is read.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// Path as on the Pi: the token (0600 root, made by the installer), or a file with only its hash
    /// ("sha256:…", 0640 root:d3kos), which is what the export manager's unit points it at.
    /// </summary>
    public string TokenFile { get; set; } = DefaultTokenFile;

    /// <summary>Where the installer puts the access token; its hash is beside it with ".sha256" added.</summary>
    public const string DefaultTokenFile = "/opt/d3kos/config/api-token";

    /// <summary>
    /// Without a token, admin operations are refused, except with this set while the service listens
    /// on loopback only (the demo and the tests). Never a silent open default.
    /// </summary>
    public bool AllowUnauthenticatedLoopback { get; set; }

    /// <summary>How long a browser stays signed in; a boat owner should not have to pair the phone every week.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TimeSpanRange.Checked)]
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a pairing link works; it is also single-use.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TimeSpanRange.Checked)]
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan PairingLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Failed attempts from one address within <see cref="FailureWindow"/> before it gets 429.</summary>
    [Range(1, int.MaxValue)]
    public int MaxFailures { get; set; } = 10;

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = TimeSpanRange.Checked)]
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Token is { Length: > 0 and < 16 })
        {
            yield return new ValidationResult("Auth:Token must be at least 16 characters", [nameof(Token)]);
        }
    }
}

/// <summary>Generated at build time from the attributes and <see cref="AuthOptions.Validate"/>: no reflection, AOT-clean.</summary>
[OptionsValidator]
internal sealed partial class AuthOptionsValidator : IValidateOptions<AuthOptions>;
