using Microsoft.AspNetCore.Http;

namespace D3kos.Common.Security;

/// <summary>
/// The session cookie's name and attributes. A cookie belongs to a host name, not to a port: over plain
/// http any page on the helm's name (Signal K's on 3000, Node-RED's on 1880) can set, replace or delete
/// <c>d3kos_session</c>, and nothing the Pi answers can stop that. Over https the cookie is
/// <c>__Host-d3kos_session</c>: the browser accepts that name only from a secure page, with Secure,
/// Path=/ and no Domain, so no http page and no other host can set or replace it.
/// </summary>
public static class SessionCookie
{
    /// <summary>The name over plain http (the boat's usual nginx).</summary>
    public const string PlainName = "d3kos_session";

    /// <summary>The name over https: the browser keeps other origins from setting a cookie with this prefix.</summary>
    public const string HostName = "__Host-" + PlainName;

    /// <summary>Either name is read: a browser moved from http to https sends the old one until it expires.</summary>
    public static bool IsName(ReadOnlySpan<char> name) => name.SequenceEqual(PlainName) || name.SequenceEqual(HostName);

    /// <summary>
    /// The name for this request. <see cref="HttpRequest.IsHttps"/> is the scheme as nginx forwarded it
    /// (X-Forwarded-Proto, believed on nginx's socket only, see NginxForwarding) or the connection's own.
    /// </summary>
    public static string NameFor(HttpRequest request) => request.IsHttps ? HostName : PlainName;

    public static void Append(HttpContext context, string value, DateTimeOffset expires) =>
        context.Response.Cookies.Append(NameFor(context.Request), value, Options(context, expires));

    public static void Delete(HttpContext context) => context.Response.Cookies.Delete(NameFor(context.Request), Options(context, null));

    /// <summary>
    /// HttpOnly (no script reads it), SameSite=Strict, Path=/ and no Domain (both required by the
    /// <c>__Host-</c> prefix), Secure over https, and it expires.
    /// </summary>
    private static CookieOptions Options(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
