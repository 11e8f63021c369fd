namespace D3kos.Backup;

/// <summary>
/// The one HTTP client the notifiers share: short time-outs, because a Signal K server that hangs must not
/// hold the check of the next condition. Connections are pooled for a few minutes only, so a server that
/// restarted on another address (DHCP on the boat's network) is found again.
/// </summary>
public sealed class NotifyHttp : IDisposable
{
    public HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    public void Dispose() => Client.Dispose();
}
