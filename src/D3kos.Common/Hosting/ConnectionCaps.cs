using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace D3kos.Common.Hosting;

/// <summary>
/// How many connections each way in may hold at once: a connection past the cap is closed at once, before a
/// byte of it is read, so a flood costs a few kilobytes of socket each instead of Kestrel's buffers. The two
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
