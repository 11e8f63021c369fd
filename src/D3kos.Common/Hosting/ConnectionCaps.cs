using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace D3kos.Common.Hosting;

/// <summary>
/// How many connections each way in may hold at once: a connection past the cap is closed at once, before
/// Kestrel parses a byte of it (the transport may have read its first bytes), so a flood costs what the
/// transport read for it, for an instant, instead of Kestrel's buffers for as long as it lasts. The two
/// ways in are counted apart: a local user filling the loopback port does not shut the owner's page out.
/// </summary>
internal sealed class ConnectionCaps(int loopback, int nginx)
{
    private int _loopbackOpen;
    private int _nginxOpen;

    public ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        var fromNginx = connection.LocalEndPoint is UnixDomainSocketEndPoint;
        ref var open = ref fromNginx ? ref _nginxOpen : ref _loopbackOpen;
        if (Interlocked.Increment(ref open) > (fromNginx ? nginx : loopback))
        {
            Interlocked.Decrement(ref open);
            connection.Abort(new ConnectionAbortedException("too many connections at once"));
            return;
        }
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref fromNginx ? ref _nginxOpen : ref _loopbackOpen);
        }
    };
}
