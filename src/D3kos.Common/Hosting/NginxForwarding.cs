using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace D3kos.Common.Hosting;

/// <summary>
/// The client's address and scheme as nginx forwards them, believed only on nginx's way in (the Unix socket
/// only root and nginx's group may open), never on the loopback port, where any local process could claim
/// any address (and lock a guest out, or be taken for one). Written here rather than with ASP.NET Core's
/// ForwardedHeaders, which decides by the peer's IP address and has none to go by on a Unix socket.
/// </summary>
public static class NginxForwarding
{
    /// <summary>Set on a request that came through nginx, whose client address is the forwarded one.</summary>
    public const string ForwardedItem = "d3kos.forwarded-by-nginx";

    public static IApplicationBuilder UseNginxForwarding(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (ServiceListening.IsFromNginx(context.Connection.RemoteIpAddress))
        {
            // The snippet sets X-Forwarded-For to nginx's $remote_addr alone; the last entry is nginx's either way.
            var forwardedFor = context.Request.Headers["X-Forwarded-For"].ToString();
            var last = forwardedFor[(forwardedFor.LastIndexOf(',') + 1)..].Trim();
            if (IPAddress.TryParse(last, out var client))
            {
                context.Connection.RemoteIpAddress = client;
                context.Items[ForwardedItem] = true;
            }
            var scheme = context.Request.Headers["X-Forwarded-Proto"].ToString();
            if (scheme is "http" or "https")
            {
                context.Request.Scheme = scheme;
            }
        }
        return next(context);
    });

    /// <summary>
    /// Who a failed attempt counts against: the guest's address through nginx; a direct local caller apart
    /// from it, so nothing on the loopback port can lock out a browser that comes through nginx.
    /// </summary>
    public static string ClientKey(HttpContext context) =>
        context.Items.ContainsKey(ForwardedItem)
            ? context.Connection.RemoteIpAddress!.ToString()
            : "direct " + (context.Connection.RemoteIpAddress?.ToString() ?? "unix");
}
