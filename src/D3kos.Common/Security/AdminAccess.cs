using System.Globalization;
using System.Net;
using D3kos.Common.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>Marks an endpoint as the owner's: <see cref="AdminAccess.UseAdminAccess"/> checks the token before anything else runs.</summary>
public sealed class AdminOnlyMetadata
{
    public static readonly AdminOnlyMetadata Instance = new();
}

/// <summary>
/// Guards the operations that read the owner's secrets or overwrite the boat: a bearer token (or
/// X-Api-Key), compared in constant time, with failed attempts counted per client address. It runs as
/// middleware, before the endpoint binds its parameters: a guest's request body is never read, let
/// alone parsed, and every request body is capped small unless its endpoint raises the cap (upload).
/// </summary>
public static partial class AdminAccess
{
    /// <summary>The largest body any endpoint reads unless it says otherwise; a restore request is under 1 KB.</summary>
    public const long SmallBodyLimit = 64 * 1024;

    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AdminOnlyMetadata.Instance);

    public static IApplicationBuilder UseAdminAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = SmallBodyLimit;
        }
        if (context.GetEndpoint()?.Metadata.GetMetadata<AdminOnlyMetadata>() is not null && Check(context) is { } refusal)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    private static ProblemHttpResult? Check(HttpContext http)
    {
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var token = services.GetRequiredService<AccessToken>();
        var expected = token.ExpectedHash();
        if (expected is null)
        {
            return options.AllowUnauthenticatedLoopback && ListensOnLoopbackOnly(services) && IsDirectFromLoopback(http)
                ? null
                : ApiProblem.Forbidden($"No access token is configured, so admin operations are refused. Create {token.FilePath} " +
                    "(deploy/install.sh of the d3kOS data services makes one) or set Auth:Token, then send it as 'Authorization: Bearer <token>'.");
        }

        var limiter = services.GetRequiredService<FailedAttemptLimiter>();
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (limiter.RetryAfter(address) is { } wait)
        {
            http.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return ApiProblem.Create(StatusCodes.Status429TooManyRequests, "Too many failed attempts from this address; wait and try again.");
        }
        if (Presented(http.Request) is { } presented && AccessToken.Matches(expected, presented))
        {
            return null;
        }
        limiter.RecordFailure(address);
        LogRefused(services.GetRequiredService<ILoggerFactory>().CreateLogger("D3kos.Auth"), http.Request.Method, http.Request.Path, address);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblem.Create(StatusCodes.Status401Unauthorized, "A valid access token is required: send 'Authorization: Bearer <token>' or 'X-Api-Key: <token>'.");
    }

    private static string? Presented(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        var apiKey = request.Headers["X-Api-Key"].ToString();
        return apiKey.Length > 0 ? apiKey : null;
    }

    /// <summary>
    /// The demo switch opens admin operations only to a program on this machine talking to the service
    /// directly: behind nginx every guest arrives from loopback too, but with forwarding headers.
    /// </summary>
    private static bool IsDirectFromLoopback(HttpContext http)
    {
        var headers = http.Request.Headers;
        // UseForwardedHeaders moves X-Forwarded-For to X-Original-For once it has applied it.
        string[] forwarding = ["X-Forwarded-For", "X-Original-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Forwarded"];
        var peer = http.Connection.RemoteIpAddress;
        return !forwarding.Any(headers.ContainsKey) && (peer is null || IPAddress.IsLoopback(peer));
    }

    /// <summary>True when every address the server listens on is a loopback one (the in-process test server has none).</summary>
    private static bool ListensOnLoopbackOnly(IServiceProvider services)
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.All(address =>
        {
            var host = BindingAddress.Parse(address).Host;
            return host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        });
    }

    [LoggerMessage(EventId = 950, Level = LogLevel.Warning, Message = "Refused {Method} {Path} from {Client}: missing or wrong access token")]
    private static partial void LogRefused(ILogger logger, string method, string path, string client);
}
