using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Xunit;

namespace D3kos.Testing;

/// <summary>
/// A real S3 server: a throw-away single-node Ceph cluster with its RADOS Gateway on loopback
/// (tests/lib/ceph-rgw.sh), started once for the S3 tests. Needs root and Debian's ceph packages.
/// </summary>
public sealed class CephGateway : IAsyncLifetime
{
    public const string AccessKey = "D3KOSTESTACCESSKEY01";
    public const string SecretKey = "d3kos-test-secret-key-0123456789abcdefgh";

    private readonly string _dir = Directory.CreateTempSubdirectory("d3kos-ceph-").FullName;

    public string? Unavailable { get; private set; }

    public int Port { get; private set; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public async ValueTask InitializeAsync()
    {
        Unavailable = !File.Exists("/usr/bin/radosgw") || !File.Exists("/usr/bin/ceph-osd") ? "radosgw, ceph-mon and ceph-osd are not installed"
            : Environment.UserName != "root" ? "a Ceph cluster needs root here"
            : null;
        if (Unavailable is not null)
        {
            return;
        }
        Port = Loopback.FreePort();
        var start = new ProcessStartInfo(Path.Combine(Loopback.Repository(), "tests/lib/ceph-rgw.sh"), ["start", _dir, $"{Port}", $"{Loopback.FreePort()}", AccessKey, SecretKey])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            var log = File.Exists(Path.Combine(_dir, "log/setup.log")) ? File.ReadAllText(Path.Combine(_dir, "log/setup.log")) : "";
            throw new InvalidOperationException($"The Ceph cluster did not start ({process.ExitCode}): {await error} {log}");
        }
    }

    /// <summary>A client as a fleet's shore side would use one, to look at what the boat put there.</summary>
    public AmazonS3Client Client(string? endpoint = null) => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = endpoint ?? Endpoint,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public async Task<string> NewBucketAsync()
    {
        var name = $"boat-{Guid.NewGuid():N}"[..30];
        using var client = Client();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        if (Unavailable is null)
        {
            using var stop = Process.Start(Path.Combine(Loopback.Repository(), "tests/lib/ceph-rgw.sh"), ["stop", _dir]);
            await stop.WaitForExitAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>
/// A TCP proxy on loopback in front of the S3 server that can cut the line: after a number of bytes from the
/// client it drops every connection and refuses new ones, as a marina's Wi-Fi does, until <see cref="Reopen"/>.
/// </summary>
public sealed class CuttingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private long _sent;
    private long _received;
    private long _cutAfter = long.MaxValue;
    private long _cutAfterReceived = long.MaxValue;
    private bool _cut;

    public CuttingProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Bytes the client sent through since the last <see cref="Reopen"/>.</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    public void CutAfter(long bytes) => Interlocked.Exchange(ref _cutAfter, bytes);

    /// <summary>Cuts the line once the server has sent this many bytes to the client (a download).</summary>
    public void CutAfterReceived(long bytes) => Interlocked.Exchange(ref _cutAfterReceived, bytes);

    /// <summary>Bytes the server sent to the client since the last <see cref="Reopen"/>.</summary>
    public long BytesReceived => Interlocked.Read(ref _received);

    public bool IsCut
    {
        get
        {
            lock (_open)
            {
                return _cut;
            }
        }
    }

    public void Reopen()
    {
        lock (_open)
        {
            _cut = false;
            Interlocked.Exchange(ref _sent, 0);
            Interlocked.Exchange(ref _received, 0);
            Interlocked.Exchange(ref _cutAfter, long.MaxValue);
            Interlocked.Exchange(ref _cutAfterReceived, long.MaxValue);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            lock (_open)
            {
                if (_cut)
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    continue;
                }
                _open.Add(client);
            }
            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target);
            var up = Pump(client.GetStream(), server.GetStream(), upstream: true);
            var down = Pump(server.GetStream(), client.GetStream(), upstream: false);
            await Task.WhenAny(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            // Forgotten when it ends: restic closes idle connections, and a cut must not reach a disposed one.
            lock (_open)
            {
                _open.Remove(client);
            }
            client.Dispose();
        }
    }

    private async Task Pump(NetworkStream from, NetworkStream to, bool upstream)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            var (total, limit) = upstream ? (Interlocked.Add(ref _sent, read), Interlocked.Read(ref _cutAfter)) : (Interlocked.Add(ref _received, read), Interlocked.Read(ref _cutAfterReceived));
            if (total > limit)
            {
                Cut();
                return;
            }
            await to.WriteAsync(buffer.AsMemory(0, read));
        }
    }

    private void Cut()
    {
        lock (_open)
        {
            _cut = true;
            foreach (var client in _open)
            {
                client.Client.LingerState = new LingerOption(true, 0); // a reset, as a dropped link looks
                client.Dispose();
            }
            _open.Clear();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        _stop.Dispose();
    }
}
