using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>Who may run the admin operations (configuration section "Auth").</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The token as configuration; when empty, <see cref="TokenFile"/> is read.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// Path as on the Pi: the token (0600 root, made by the installer), or a file with only its hash
    /// ("sha256:…", 0640 root:d3kos), which is what the export manager's unit points it at.
    /// </summary>
    public string TokenFile { get; set; } = "/opt/d3kos/config/api-token";

    /// <summary>
    /// Without a token, admin operations are refused, except with this set while the service listens
    /// on loopback only (the demo and the tests). Never a silent open default.
    /// </summary>
    public bool AllowUnauthenticatedLoopback { get; set; }

    /// <summary>Failed attempts from one address within <see cref="FailureWindow"/> before it gets 429.</summary>
    public int MaxFailures { get; set; } = 10;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(5);
}

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.MaxFailures < 1)
        {
            return ValidateOptionsResult.Fail("Auth:MaxFailures must be at least 1");
        }
        if (options.FailureWindow <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Auth:FailureWindow must be positive");
        }
        if (options.Token is { Length: > 0 and < 16 })
        {
            return ValidateOptionsResult.Fail("Auth:Token must be at least 16 characters");
        }
        return ValidateOptionsResult.Success;
    }
}
