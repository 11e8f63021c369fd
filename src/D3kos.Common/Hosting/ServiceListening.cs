using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace D3kos.Common.Hosting;

/// <summary>
/// Where a service listens, and what a connection may hold before it is authenticated.
/// Under systemd the sockets are PID 1's (the units' .socket files): the loopback port for curl and scripts,
/// and a Unix socket only root and nginx's group may open, through which nginx forwards the owner's page. PID 1
/// holds both across a restart, so no other local process can take the port in the gap and receive the
/// owner's cookie or token. Elsewhere (the demo, the tests) the addresses given with --urls, or loopback.
/// </summary>
public static class ServiceListening
{
    /// <summary>Connections at once on the loopback port: local tools, never the owner's page, which comes through nginx.</summary>
    public const int LoopbackConnections = 64;

    /// <summary>Connections at once from nginx, which holds a guest's request until its headers are complete.</summary>
    public const int NginxConnections = 512;

    public static WebApplicationBuilder AddD3kosListening(this WebApplicationBuilder builder, int defaultPort)
    {
        var inherited = SocketActivation.IsPresent();
        if (!inherited && string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{defaultPort}");
        }
        var caps = new ConnectionCaps(LoopbackConnections, NginxConnections);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A connection that has not sent a whole request holds little and not for long: a flood of
            // half-sent headers from a local user once took the backup API past its MemoryMax.
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 64;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
            // Every endpoint, the inherited ones included (ListenHandle applies the defaults), counts its connections once.
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(caps.Middleware));
            if (inherited)
            {
                kestrel.UseSystemd();
            }
        });
        return builder;
    }

    /// <summary>True for a connection through a Unix socket: nginx's, on the Pi (or the test's, as nginx's).</summary>
    public static bool IsFromNginx(IPAddress? remote) => remote is null;
}
