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
        // Open so an expired session can still clear its cookie; only the page's key ends a session.
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
        if (request.PairingCode is { Length: > 0 } code)
        {
            // Not counted as a failed attempt: a code is 128 random bits, single-use and short-lived, and a
            // hostile page can open the page with any #pair=… it likes in the owner's browser.
            if (!sessions.TakePairingCode(code))
            {
                return ApiProblem.Create(StatusCodes.Status401Unauthorized,
                    "That pairing link is unknown, used already or expired: make a new one with 'sudo d3kos-backup pair' or on the signed-in helm.");
            }
        }
        else
        {
            var address = D3kos.Common.Hosting.NginxForwarding.ClientKey(context);
            var attempt = limiter.Attempt(address, () => AccessToken.Matches(expected, request.Token!));
            if (attempt > TimeSpan.Zero)
            {
                return ApiProblem.TooManyAttempts(context.Response, attempt.Value);
            }
            if (attempt is not null)
            {
                return ApiProblem.Create(StatusCodes.Status401Unauthorized, "That is not the access token.");
            }
        }
        var opened = sessions.Open();
        SessionCookie.Append(context, opened.Cookie, opened.Expires);
        // The page keeps the keys in its own origin's storage and sends each only to its own service.
        return TypedResults.Ok(new SessionResponse(true, true, opened.Expires, new PageKeys(opened.BackupKey, opened.ExportKey)));
    }

    private static Results<Ok<SessionResponse>, ProblemHttpResult> SignOut(HttpContext context, OwnerSessions sessions)
    {
        // The session ends only for its key; without it, only this browser's cookie is cleared.
        sessions.End(SessionRequest.Cookies(context.Request), SessionRequest.PageKey(context.Request));
        SessionCookie.Delete(context);
        return TypedResults.Ok(new SessionResponse(true, false, null, null));
    }

    private static Ok<SignedOutResponse> SignOutEverywhere(HttpContext context, OwnerSessions sessions)
    {
        var ended = sessions.EndAll();
        SessionCookie.Delete(context);
        return TypedResults.Ok(new SignedOutResponse(true, ended));
    }

    /// <summary>
    /// A one-time pairing link. With the page's own address ("origin") it comes whole and as a QR code (SVG)
    /// too; the answer is a secret, so no cache keeps it and nothing logs it.
    /// </summary>
    private static Results<Ok<PairingResponse>, ProblemHttpResult> NewPairing(HttpContext context, OwnerSessions sessions, PairingRequest? request)
    {
        var origin = request?.Origin;
        if (origin is not null && !PairingQr.IsPageOrigin(origin))
        {
            return ApiProblem.BadRequest("\"origin\" must be the page's http:// or https:// address without a path, as location.origin gives it.");
        }
        var (code, expires) = sessions.NewPairingCode();
        context.Response.Headers.CacheControl = "no-store";
        var link = PairingLink.PathFor(code);
        var url = origin is null ? null : origin.TrimEnd('/') + link;
        return TypedResults.Ok(new PairingResponse(true, code, link, expires, url, url is null ? null : PairingQr.Svg(url)));
    }
}
