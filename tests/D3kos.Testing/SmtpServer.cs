using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace D3kos.Testing;

/// <summary>
/// A real SMTP server on a free loopback port (tests/lib/smtp-server.py on Debian's python3-aiosmtpd): it
/// requires a user and password, and with STARTTLS a certificate made for the test (self-signed, so the boat
/// trusts it by its SHA-256, Notify:Email:CertificateSha256). Each message it takes lands whole in a folder.
/// </summary>
public sealed class SmtpServer : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("d3kos-smtp-").FullName;
    private readonly string _user;
    private readonly string _password;
    private readonly bool _startTls;
    private Process? _process;

    private SmtpServer(string user, string password, bool startTls)
    {
        (_user, _password, _startTls) = (user, password, startTls);
        Directory.CreateDirectory(Maildir);
        if (startTls)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            File.WriteAllText(CertFile, certificate.ExportCertificatePem());
            File.WriteAllText(KeyFile, key.ExportPkcs8PrivateKeyPem());
            CertificateSha256 = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        }
    }

    public static string? Unavailable =>
        Directory.Exists("/usr/lib/python3/dist-packages/aiosmtpd") ? null : "python3-aiosmtpd is not installed (scripts/install-test-deps.sh installs it)";

    public int Port { get; } = Loopback.FreePort();

    /// <summary>The SHA-256 of the server's certificate (with STARTTLS), as the owner would pin it.</summary>
    public string CertificateSha256 { get; } = "";

    private string Maildir => Path.Combine(_dir, "mail");

    private string CertFile => Path.Combine(_dir, "cert.pem");

    private string KeyFile => Path.Combine(_dir, "key.pem");

    public static async Task<SmtpServer> StartAsync(string user, string password, bool startTls)
    {
        var server = new SmtpServer(user, password, startTls);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>A message holding this text is refused for good (550) from the next start on.</summary>
    public string? RefuseContaining { get; set; }

    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(Loopback.Repository(), "tests/lib/smtp-server.py"), $"{Port}", Maildir, _user, _password,
            .. _startTls ? new[] { CertFile, KeyFile } : []])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (RefuseContaining is { } refuse)
        {
            start.Environment["SMTP_REFUSE_CONTAINING"] = refuse;
        }
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var ready = await _process.StandardOutput.ReadLineAsync();
        Xunit.Assert.True(ready == "ready", $"the SMTP server did not start (exit {(_process.HasExited ? _process.ExitCode : -1)})");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Every message taken so far, as received (headers and body).</summary>
    public IReadOnlyList<string> Messages => [.. Directory.GetFiles(Maildir, "*.eml").Select(File.ReadAllText)];

    public void Dispose()
    {
        Stop();
        Directory.Delete(_dir, recursive: true);
    }
}
