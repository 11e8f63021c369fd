using Microsoft.AspNetCore.Http;

namespace D3kos.Common.Security;

/// <summary>What a browser's request shows of a session: every session cookie it carries, and the page key.</summary>
public static class SessionRequest
{
    /// <summary>
    /// Every value of the session cookie under either name (<see cref="SessionCookie"/>), in the order sent:
    /// over http a page on another port of the helm's address can set more cookies of the same name (with
    /// longer paths, sent first), which must not hide the real one. <see cref="OwnerSessions"/> tries them all.
    /// </summary>
    public static IEnumerable<string> Cookies(HttpRequest request)
    {
        foreach (var header in request.Headers.Cookie)
        {
            foreach (var pair in (header ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0 && SessionCookie.IsName(pair.AsSpan(0, equals)))
                {
                    yield return pair[(equals + 1)..].Trim('"');
                }
            }
        }
    }

    /// <summary>The page key: the header, or for a download (GET or HEAD, which change nothing) the <c>key</c> query value.</summary>
    public static string? PageKey(HttpRequest request)
    {
        var header = request.Headers[OwnerSessions.RequestHeader].ToString();
        if (header.Length > 0)
        {
            return header;
        }
        return HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) ? request.Query[OwnerSessions.KeyQuery].ToString() is { Length: > 0 } key ? key : null : null;
    }
}
