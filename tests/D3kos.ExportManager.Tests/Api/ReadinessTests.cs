using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>
/// systemd starts units ordered after ours once we say READY=1: it must come only when the port
/// already accepts connections (the old export-on-boot script raced the service).
/// </summary>
public sealed class ReadinessTests : IDisposable
{
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);
    private readonly string _socketPath = Path.Combine(Path.GetTempPath(), $"d3kos-notify-{Guid.NewGuid():N}.sock");

    [Fact]
    public async Task Ready_is_sent_only_once_the_port_accepts_connections()
    {
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(_socketPath));
        var port = Loopback.FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "d3kos-export-manager.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NOTIFY_SOCKET"] = _socketPath;
        start.Environment["D3KOS_FS_ROOT"] = _root.Path;
        using var service = Process.Start(start)!;
        try
        {
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var received = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);

            // Connect at once, before anything else: if READY came early this is refused.
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
            Assert.Contains("READY=1", Encoding.UTF8.GetString(buffer, 0, received), StringComparison.Ordinal);
            Assert.True(probe.Connected);
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            await service.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    public void Dispose()
    {
        File.Delete(_socketPath);
        _root.Dispose();
    }
}
