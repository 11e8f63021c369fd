using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using D3kos.Testing;

namespace D3kos.Browser.Tests;

/// <summary>
/// A helm as installed: deploy/install.sh into a scratch root (the page in /usr/share/d3kos/www, the
/// nginx snippet, the token), both AOT services on loopback, a real nginx in front with the project's
/// snippet, a central endpoint that answers 503, and a second nginx site standing for a hostile one.
/// </summary>
public sealed class HelmStack : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    public const string ChromeDriver = "/usr/bin/chromedriver";

    private readonly List<Process> _processes = [];
    private string _work = null!;

    // nginx's ways in, as systemd's /run/d3kos/*.sock on the Pi: only there is a forwarded client address believed.
    private string ExportSocket => Path.Combine(_work, "export-manager.sock");

    private string BackupSocket => Path.Combine(_work, "backup-api.sock");

    /// <summary>Why the stack cannot run here (no AOT binaries, no nginx or Chromium, not root), or null.</summary>
    public string? Unavailable { get; private set; }

    public TempRoot Root { get; } = new();
    public string Repo { get; } = Loopback.Repository();
    public string Bin { get; private set; } = "";
    public LoopbackCentral Central { get; private set; } = null!;
    public CephGateway Ceph { get; } = new();
    public string Bucket { get; private set; } = "";
    public string Helm { get; private set; } = "";
    public string HostileSite { get; private set; } = "";
    public string Token => File.ReadAllText(Root.At("/opt/d3kos/config/api-token")).Trim();
    public string BackupsFolder => Root.At("/opt/d3kos/backups");

    public async ValueTask InitializeAsync()
    {
        Bin = Environment.GetEnvironmentVariable("D3KOS_BIN") ?? "";
        Unavailable = !File.Exists(Path.Combine(Bin, "d3kos-backup-api")) ? "the AOT binaries are not built (D3KOS_BIN)"
            : !File.Exists(Chromium) || !File.Exists(ChromeDriver) ? "chromium and chromium-driver are not installed"
            : Which("nginx") is null ? "nginx is not installed"
            : Environment.UserName != "root" ? "deploy/install.sh needs root"
            : null;
        if (Unavailable is not null)
        {
            return;
        }
        _work = Directory.CreateTempSubdirectory("d3kos-browser-").FullName;
        await RunAsync(Path.Combine(Repo, "deploy/install.sh"), "--root", Root.Path, "--bin", Bin);
        await RunAsync("dotnet", Path.Combine(Repo, "src/D3kos.Demo/bin/Release/net10.0/d3kos-demo-seed.dll"), Root.Path, "--images-mb", "128"); // a backup that takes long enough (a second or more) to show its progress between two polls
        var serviceLog = Path.Combine(_work, "services.log");
        var serviceCommand = Path.Combine(_work, "record-service.sh");
        File.WriteAllText(serviceCommand, $"#!/bin/sh\necho \"$1 $2\" >> {serviceLog}\n");
        File.SetUnixFileMode(serviceCommand, (UnixFileMode)Convert.ToInt32("755", 8));

        // A bucket for the S3 target (when Ceph is installed; the S3 test skips otherwise).
        await Ceph.InitializeAsync();
        Bucket = Ceph.Unavailable is null ? await Ceph.NewBucketAsync() : "no-bucket";
        Central = await LoopbackCentral.StartAsync();
        Central.Default = CentralBehaviour.ServiceUnavailable;
        int exportPort = Loopback.FreePort(), backupPort = Loopback.FreePort(), helmPort = Loopback.FreePort(), hostilePort = Loopback.FreePort();
        Start(Path.Combine(Root.Path, "opt/d3kos/bin/d3kos-export-manager"), new()
        {
            ["D3KOS_FS_ROOT"] = Root.Path,
            ["Auth__TokenFile"] = "/opt/d3kos/config/api-token.sha256", // as its unit: the hash only
            ["Central__Url"] = Central.Url.ToString(),
        }, "--urls", $"http://127.0.0.1:{exportPort};http://unix:{ExportSocket}");
        Start(Path.Combine(Root.Path, "opt/d3kos/bin/d3kos-backup-api"), new()
        {
            ["D3KOS_FS_ROOT"] = Root.Path,
            ["Backup__ServiceCommand"] = serviceCommand,
            ["Backup__Targets__0__Name"] = "shore",
            ["Backup__Targets__0__Kind"] = "s3",
            ["Backup__Targets__0__Endpoint"] = Ceph.Unavailable is null ? Ceph.Endpoint : "http://127.0.0.1:9",
            ["Backup__Targets__0__Bucket"] = Bucket,
            ["Backup__Targets__0__Prefix"] = "boats/helm/",
            ["Backup__Targets__0__AccessKey"] = CephGateway.AccessKey,
            ["Backup__Targets__0__PathStyle"] = "true",
            ["Backup__Targets__0__Encrypt"] = "false",
            ["Backup__Targets__0__PartSizeMiB"] = "5",
        }, "--urls", $"http://127.0.0.1:{backupPort};http://unix:{BackupSocket}");

        Helm = $"http://127.0.0.1:{helmPort}";
        HostileSite = $"http://127.0.0.1:{hostilePort}";
        StartNginx(helmPort, hostilePort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var url in new[] { $"{Helm}/export/status", $"{Helm}/api/backup/list", $"{Helm}/d3kos/", $"{HostileSite}/" })
        {
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    using var response = await http.GetAsync(url);
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, $"{url} to answer", TimeSpan.FromSeconds(60));
        }
    }

    private void StartNginx(int helmPort, int hostilePort)
    {
        // Another site, as a guest's page or an ad on the helm's browser would be: it posts a form to the helm.
        var hostile = Directory.CreateDirectory(Path.Combine(_work, "hostile")).FullName;
        File.WriteAllText(Path.Combine(hostile, "index.html"), "<!doctype html><title>ok</title><p>ok</p>");
        File.WriteAllText(Path.Combine(hostile, "form.html"), $$"""
            <!doctype html><title>Free weather</title>
            <form method="post" action="{{Helm}}/api/backup/create"><input type="hidden" name="x" value="1"></form>
            <script>document.forms[0].submit();</script>
            """);
        var hostileSite = Path.Combine(_work, "hostile.conf");
        File.WriteAllText(hostileSite, $"server {{ listen 127.0.0.1:{hostilePort}; root {hostile}; }}\n");
        // The installed snippet and page, as the helm's nginx serves them (the same script the demo and e2e use).
        var configure = Process.Start(new ProcessStartInfo(Path.Combine(Repo, "scripts/scratch-nginx-conf.sh"),
            [_work, $"{helmPort}", ExportSocket, BackupSocket, Root.At("/usr/share/d3kos/www"), hostileSite])
        {
            Environment = { ["D3KOS_SNIPPET"] = Root.At("/etc/nginx/snippets/d3kos-data-services.conf") },
        })!;
        configure.WaitForExit();
        Assert.Equal(0, configure.ExitCode);
        configure.Dispose();
        using var nginx = Process.Start(new ProcessStartInfo("nginx", ["-c", Path.Combine(_work, "nginx.conf"), "-p", Path.Combine(_work, "nginx")]))!;
        nginx.WaitForExit();
        Assert.Equal(0, nginx.ExitCode);
    }

    /// <summary>
    /// A second backup API of the same build, on a root of its own installed as the helm's is, for a test that
    /// needs it set up apart (stopped with the stack). Returns its address once it answers.
    /// </summary>
    public async Task<string> StartSeparateBackupApiAsync(TempRoot root, Dictionary<string, string> environment)
    {
        await RunAsync(Path.Combine(Repo, "deploy/install.sh"), "--root", root.Path, "--bin", Bin);
        var url = $"http://127.0.0.1:{Loopback.FreePort()}";
        Start(Path.Combine(root.Path, "opt/d3kos/bin/d3kos-backup-api"), new(environment) { ["D3KOS_FS_ROOT"] = root.Path }, "--urls", url);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync($"{url}/health");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, $"{url} to answer", TimeSpan.FromSeconds(60));
        return url;
    }

    /// <summary>A one-time pairing link made by the CLI, as the owner does on the helm.</summary>
    public async Task<string> PairingLinkAsync()
    {
        var output = await RunAsync(Path.Combine(Root.Path, "opt/d3kos/bin/d3kos-backup"), ["pair", Helm], new() { ["D3KOS_FS_ROOT"] = Root.Path });
        return output.Split('\n').Select(l => l.Trim()).Single(l => l.Contains("#pair=", StringComparison.Ordinal));
    }

    public string[] Backups() => Directory.GetFiles(BackupsFolder, "*.tar.gz").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private void Start(string program, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    private static Task<string> RunAsync(string program, params string[] args) => RunAsync(program, args, []);

    private static async Task<string> RunAsync(string program, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(program)} {string.Join(' ', args)} exited {process.ExitCode}: {await error}");
        return await output;
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        if (_work is not null && File.Exists(Path.Combine(_work, "nginx.pid")))
        {
            using var stop = Process.Start("kill", File.ReadAllText(Path.Combine(_work, "nginx.pid")).Trim());
            await stop.WaitForExitAsync();
        }
        foreach (var process in _processes)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        if (Central is not null)
        {
            await Central.DisposeAsync();
        }
        if (_work is not null)
        {
            await Ceph.DisposeAsync();
        }
        Root.Dispose();
        if (_work is not null)
        {
            Directory.Delete(_work, recursive: true);
        }
    }
}
