using D3kos.Common.Hosting;
using D3kos.Common.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace D3kos.BackupApi;

/// <summary>
/// /api/backup/session: the browser's sign-in. The backup API opens and ends sessions (it is root and
/// keeps them); the export manager only checks them (<see cref="OwnerSessions"/>). Signing in takes the
/// access token or a one-time pairing code, counted by the same failure limiter as the token header.
/// </summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/backup").WithTags("Sign-in");
        // Open: the page asks before it shows anything, and a guest asking is not a failed attempt.
        group.MapGet("/session", Current).AllowAnonymous();
        group.MapPost("/session", SignIn).AllowAnonymous();
        // Open so an expired session can still sign out; the page's header keeps other sites from doing it.
        group.MapDelete("/session", SignOut).AllowAnonymous();
        group.MapPost("/session/pairing", NewPairing);
        group.MapDelete("/sessions", SignOutEverywhere);
        return app;
    }

    private static Ok<SessionResponse> Current(HttpContext context, OwnerSessions sessions)
    {
        var expires = sessions.Expiry(SessionRequest.Cookies(context.Request), SessionRequest.PageKey(context.Request));
        return TypedResults.Ok(new SessionResponse(true, expires is not null, expires, null));
    }

    private static Results<Ok<SessionResponse>, ProblemHttpResult> SignIn(
        HttpContext context, SignInRequest request, OwnerSessions sessions, AccessToken token, FailedAttemptLimiter limiter)
    {
        if (string.IsNullOrEmpty(request.Token) == string.IsNullOrEmpty(request.PairingCode))
        {
            return ApiProblem.BadRequest("Send either \"pairing_code\" (from a pairing link) or \"token\" (the access token).");
        }
        if (token.ExpectedHash() is not { } expected)
        {
            return ApiProblem.Forbidden($"No access token is configured on this Pi, so nobody can sign in. Create {token.FilePath} (deploy/install.sh makes one).");
        }
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var attempt = limiter.Attempt(address, () => request.Token is { Length: > 0 } presented
            ? AccessToken.Matches(expected, presented)
            : sessions.TakePairingCode(request.PairingCode));
        if (attempt > TimeSpan.Zero)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(attempt.Value.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblem.Create(StatusCodes.Status429TooManyRequests, "Too many failed attempts from this address; wait and try again.");
        }
        if (attempt is not null)
        {
            return ApiProblem.Create(StatusCodes.Status401Unauthorized, request.Token is { Length: > 0 }
                ? "That is not the access token."
                : "That pairing link is unknown, used already or expired: make a new one with 'sudo d3kos-backup pair' or on the signed-in helm.");
        }
        var (cookie, pageKey, expires) = sessions.Open();
        context.Response.Cookies.Append(OwnerSessions.CookieName, cookie, CookieOptions(context, expires));
        // The page keeps the key in its own origin's storage and sends it with every request.
        return TypedResults.Ok(new SessionResponse(true, true, expires, pageKey));
    }

    private static Results<Ok<SessionResponse>, ProblemHttpResult> SignOut(HttpContext context, OwnerSessions sessions)
    {
        if (!context.Request.Headers.ContainsKey(OwnerSessions.RequestHeader))
        {
            return ApiProblem.Forbidden($"Refused a sign-out that did not come from the d3kOS page (the {OwnerSessions.RequestHeader} header is missing).");
        }
        sessions.End(SessionRequest.Cookies(context.Request));
        context.Response.Cookies.Delete(OwnerSessions.CookieName, CookieOptions(context, null));
        return TypedResults.Ok(new SessionResponse(true, false, null, null));
    }

    private static Ok<SignedOutResponse> SignOutEverywhere(OwnerSessions sessions) => TypedResults.Ok(new SignedOutResponse(true, sessions.EndAll()));

    private static Ok<PairingResponse> NewPairing(OwnerSessions sessions)
    {
        var (code, expires) = sessions.NewPairingCode();
        return TypedResults.Ok(new PairingResponse(true, code, PairingLink.PathFor(code), expires));
    }

    /// <summary>HttpOnly (no script reads it), SameSite=Strict, Secure when the page came over https (nginx says so), and it expires.</summary>
    private static CookieOptions CookieOptions(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
