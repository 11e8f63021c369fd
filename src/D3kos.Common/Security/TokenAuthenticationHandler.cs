using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using D3kos.Common.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>
/// ASP.NET Core authentication for the owner: a bearer token (or X-Api-Key), compared in constant
/// time, with failed attempts counted per client address, or a browser's session cookie (<see cref="OwnerSessions"/>). It is not the default scheme, so it runs only
/// when authorization asks, and it passes over endpoints marked AllowAnonymous (see <see cref="OwnerAccess"/>):
/// a guest reading the open status never counts as a failed attempt. Its
/// refusals are problem answers: 401 with WWW-Authenticate, 403 when no token is configured, 429 with
/// Retry-After when an address has failed too often.
/// </summary>
public sealed partial class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AccessToken token,
    FailedAttemptLimiter limiter,
    OwnerSessions sessions,
    IOptions<AuthOptions> auth,
    IServer server) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "D3kosToken";

    // Handlers are made per request: what authentication decided is what the challenge answers.
    private ProblemHttpResult? _refusal;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Context.GetEndpoint() is not RouteEndpoint endpoint || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            // Authorization authenticates before it looks at AllowAnonymous: an open endpoint's request, and
            // one that matches no endpoint (404, 405), is neither checked nor counted, whatever it carries.
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var expected = token.ExpectedHash();
        if (expected is null)
        {
            if (auth.Value.AllowUnauthenticatedLoopback && ListensOnLoopbackOnly() && IsDirectFromLoopback())
            {
                return Task.FromResult(Owner());
            }
            _refusal = ApiProblem.Forbidden($"No access token is configured, so admin operations are refused. Create {token.FilePath} " +
                "(deploy/install.sh of the d3kOS data services makes one) or set Auth:Token, then send it as 'Authorization: Bearer <token>'.");
            return Task.FromResult(AuthenticateResult.Fail("no access token is configured"));
        }
        var presented = Presented();
        if (presented is null)
        {
            // Not counted as failed attempts: a browser's cookie and key are 256-bit secrets nobody guesses, a
            // stale session must not lock its owner out, and a hostile page open in the owner's browser can
            // send credential-less requests at will. Only a token that is presented and wrong counts.
            return Task.FromResult(FromBrowser());
        }
        var address = NginxForwarding.ClientKey(Context);
        var attempt = limiter.Attempt(address, () => AccessToken.Matches(expected, presented));
        if (attempt is null)
        {
            return Task.FromResult(Owner());
        }
        if (attempt > TimeSpan.Zero)
        {
            _refusal = ApiProblem.TooManyAttempts(Response, attempt.Value);
            return Task.FromResult(AuthenticateResult.Fail("too many failed attempts"));
        }
        LogRefused(Logger, Request.Method, Request.Path, address);
        return Task.FromResult(AuthenticateResult.Fail("missing or wrong access token"));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_refusal is null)
        {
            Response.Headers.WWWAuthenticate = "Bearer";
            _refusal = ApiProblem.Create(StatusCodes.Status401Unauthorized, "Sign in first: open a pairing link, or send the access token as 'Authorization: Bearer <token>' or 'X-Api-Key: <token>'.");
        }
        return _refusal.ExecuteAsync(Context);
    }

    /// <summary>
    /// A browser's session: the cookie and the page's key (<see cref="OwnerSessions"/>). A form that another
    /// site posts carries the cookie but no key; a page on another port of the helm's address (Signal K's,
    /// Node-RED's) may see the cookie but never the key, which only the d3kOS page's origin holds.
    /// </summary>
    private AuthenticateResult FromBrowser()
    {
        var cookies = SessionRequest.Cookies(Request).ToList();
        if (cookies.Count == 0)
        {
            return AuthenticateResult.Fail("no credential");
        }
        var key = SessionRequest.PageKey(Request);
        if (sessions.Expiry(cookies, key) is not null)
        {
            return Owner();
        }
        _refusal = key is null
            ? ApiProblem.Forbidden($"Refused a request that did not come from the d3kOS page (the {OwnerSessions.RequestHeader} header with the page's key is missing): " +
                "a form or link on another site cannot act for the signed-in owner.")
            : ApiProblem.Create(StatusCodes.Status401Unauthorized, "This browser's session has ended (expired, signed out, or the access token was changed): sign in again.");
        return AuthenticateResult.Fail("no session");
    }

    private static AuthenticateResult Owner() =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "owner")], SchemeName)), SchemeName));

    private string? Presented()
    {
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        var apiKey = Request.Headers["X-Api-Key"].ToString();
        return apiKey.Length > 0 ? apiKey : null;
    }

    /// <summary>
    /// The demo switch opens admin operations only to a program on this machine talking to the service
    /// directly: behind nginx every guest arrives from loopback too, but with forwarding headers.
    /// </summary>
    private bool IsDirectFromLoopback()
    {
        var headers = Request.Headers;
        // Any sign of a proxy counts, believed or not: only a caller on this machine, straight to the port, may use the switch.
        string[] forwarding = ["X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Forwarded"];
        var peer = Context.Connection.RemoteIpAddress;
        return !Context.Items.ContainsKey(NginxForwarding.ForwardedItem) && !forwarding.Any(headers.ContainsKey)
            && (peer is null || IPAddress.IsLoopback(peer));
    }

    /// <summary>True when every address the server listens on is a loopback one (the in-process test server has none).</summary>
    private bool ListensOnLoopbackOnly()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.All(address =>
        {
            var binding = BindingAddress.Parse(address);
            var host = binding.Host;
            return binding.IsUnixPipe || host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        });
    }

    [LoggerMessage(EventId = 950, Level = LogLevel.Warning, Message = "Refused {Method} {Path} from {Client}: missing or wrong access token")]
    private static partial void LogRefused(ILogger logger, string method, string path, string client);
}
