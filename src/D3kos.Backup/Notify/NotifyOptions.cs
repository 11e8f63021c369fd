using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>Where the conditions are sent besides the page and `status` (configuration "Notify").</summary>
public sealed class NotifyOptions
{
    public const string Section = "Notify";

    public SignalKOptions SignalK { get; set; } = new();

    public EmailOptions Email { get; set; } = new();

    internal IEnumerable<string> Problems()
    {
        if (SignalK.Enabled && (!Uri.TryCreate(SignalK.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            yield return $"Notify:SignalK:Url '{BackupPaths.Printable(SignalK.Url)}' must be an http:// or https:// address";
        }
        foreach (var problem in Email.Problems())
        {
            yield return problem;
        }
    }
}

/// <summary>The helm's Signal K server (configuration "Notify:SignalK").</summary>
public sealed class SignalKOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The server on this Pi by default; any Signal K server the boat runs.</summary>
    public string Url { get; set; } = "http://127.0.0.1:3000";
}

/// <summary>How the owner ashore hears of a condition (configuration "Notify:Email"); off while Host is empty.</summary>
public sealed class EmailOptions
{
    public const string StartTls = "starttls";
    public const string ImplicitTls = "tls";
    public const string NoTls = "none";

    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    /// <summary>"starttls" (port 587, the default), "tls" (implicit TLS, port 465) or "none" (a server on the boat's own network).</summary>
    public string Security { get; set; } = StartTls;

    /// <summary>The account to sign in with; empty: the server takes mail without signing in. Its password is kept apart (<see cref="NotifySecrets"/>).</summary>
    public string User { get; set; } = "";

    public string From { get; set; } = "";

    public List<string> To { get; set; } = [];

    /// <summary>
    /// The SHA-256 of a mail server's certificate to trust although no authority signed it (a server on the
    /// boat's or the marina's own network); empty: only certificates the system trusts.
    /// </summary>
    public string CertificateSha256 { get; set; } = "";

    /// <summary>The boat's name in every subject line, so a fleet operator knows which boat wrote.</summary>
    public string BoatName { get; set; } = "d3kOS";

    public bool Enabled => Host.Length > 0;

    internal IEnumerable<string> Problems()
    {
        if (!Enabled)
        {
            yield break;
        }
        if (Port is < 1 or > 65535)
        {
            yield return "Notify:Email:Port must be between 1 and 65535";
        }
        if (Security is not (StartTls or ImplicitTls or NoTls))
        {
            yield return $"Notify:Email:Security must be '{StartTls}', '{ImplicitTls}' or '{NoTls}'";
        }
        if (!From.Contains('@', StringComparison.Ordinal) || To.Count == 0 || To.Any(to => !to.Contains('@', StringComparison.Ordinal)))
        {
            yield return "Notify:Email:From and every Notify:Email:To must be email addresses, with at least one To";
        }
    }
}

/// <summary>The notify settings' rules, checked at start: a setting that cannot work stops the service with its sentence.</summary>
internal sealed class NotifyOptionsValidator : IValidateOptions<NotifyOptions>
{
    public ValidateOptionsResult Validate(string? name, NotifyOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
