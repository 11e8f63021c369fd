using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace D3kos.Testing;

/// <summary>
/// A real Signal K server (npm's signalk-server 2.23.0, installed by scripts/install-test-deps.sh in
/// /opt/d3kos-test/signalk-server) started headless on a free loopback port with a throw-away configuration:
/// without security, or with security and an admin user (ADMINUSER=admin:…) whose login approves device
/// access requests through Signal K's own admin API, as the owner does in its admin page.
/// </summary>
public sealed class SignalKServer : IAsyncDisposable
{
    public const string DefaultFolder = "/opt/d3kos-test/signalk-server";
    public const string AdminUser = "admin";
    public const string AdminPassword = "d3kos-test-admin";

    private readonly string _config = Directory.CreateTempSubdirectory("d3kos-signalk-").FullName;
    private readonly bool _security;
    private Process? _process;

    private SignalKServer(bool security, int port)
    {
        _security = security;
        Port = port;
        File.WriteAllText(Path.Combine(_config, "settings.json"),
            """{"mdns":false,"interfaces":{"tcp":false,"nmea-tcp":false,"appstore":false},"pipedProviders":[]}""");
    }

    /// <summary>
    /// A fixed secret key, so a device's token stays good across a restart, as on a real server; and the admin
    /// user in the file as well as in ADMINUSER: Signal K 2.23 writes the file's users back when it approves a
    /// device, which would otherwise drop the admin that ADMINUSER added until the next start.
    /// </summary>
    private async Task WriteSecurityAsync()
    {
        var hash = new ProcessStartInfo("node", ["-e", "process.stdout.write(require('bcryptjs').hashSync(process.argv[1], 10))", AdminPassword])
        {
            WorkingDirectory = Path.Combine(Folder, "node_modules/signalk-server"),
            RedirectStandardOutput = true,
        };
        using var node = Process.Start(hash)!;
        var hashed = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();
        File.WriteAllText(Path.Combine(_config, "security.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["allow_readonly"] = true, ["expiration"] = "NEVER", ["secretKey"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
            ["users"] = new[] { new Dictionary<string, string> { ["username"] = AdminUser, ["type"] = "admin", ["password"] = hashed } },
            ["devices"] = Array.Empty<object>(), ["acls"] = Array.Empty<object>(), ["allowDeviceAccessRequests"] = true,
        }));
    }

    /// <summary>Why the server cannot run here (node or the package missing), or null.</summary>
    public static string? Unavailable =>
        !File.Exists(Program) ? $"signalk-server is not installed in {Folder} (scripts/install-test-deps.sh installs it)"
        : !File.Exists("/usr/bin/node") && !File.Exists("/usr/local/bin/node") ? "node is not installed"
        : null;

    private static string Folder => Environment.GetEnvironmentVariable("D3KOS_SIGNALK_SERVER") ?? DefaultFolder;

    private static string Program => Path.Combine(Folder, "node_modules/signalk-server/bin/signalk-server");

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public static async Task<SignalKServer> StartAsync(bool security)
    {
        var server = new SignalKServer(security, Loopback.FreePort());
        if (security)
        {
            await server.WriteSecurityAsync();
        }
        await server.RunAsync();
        return server;
    }

    private async Task RunAsync()
    {
        var start = new ProcessStartInfo("node", [Program, "-c", _config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PORT"] = $"{Port}";
        if (_security)
        {
            start.Environment["SECURITYSTRATEGY"] = "./tokensecurity";
            start.Environment["ADMINUSER"] = $"{AdminUser}:{AdminPassword}";
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient();
        await Eventually.TrueAsync(async () =>
        {
            Xunit.Assert.False(_process.HasExited, "signalk-server stopped while starting");
            try
            {
                using var answer = await http.GetAsync($"{Url}/signalk");
                return answer.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "signalk-server answering", TimeSpan.FromSeconds(60));
    }

    /// <summary>Kills the server (it forgets every notification, as a real one does at a restart) and starts it again on the same port.</summary>
    public async Task RestartAsync()
    {
        Stop();
        await RunAsync();
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>The owner approving (or denying) a device's request in Signal K's admin page, through the same admin API.</summary>
    public async Task AnswerRequestAsync(bool approve)
    {
        using var http = await AdminAsync();
        var pending = await JsonAsync(http, "/skServer/security/access/requests");
        var request = pending.EnumerateArray().Single(r => r.GetProperty("state").GetString() == "PENDING");
        var clientId = request.GetProperty("accessIdentifier").GetString();
        using var answer = await http.PutAsJsonAsync($"{Url}/skServer/security/access/requests/{clientId}/{(approve ? "approved" : "denied")}",
            new { expiration = "NEVER", permissions = "readwrite", config = new { } });
        Xunit.Assert.True(answer.IsSuccessStatusCode, $"answering the request: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
    }

    /// <summary>A client signed in as the admin user, as the owner is in Signal K's admin page.</summary>
    private async Task<HttpClient> AdminAsync()
    {
        var http = new HttpClient();
        // Signal K answers a token only to a Content-Type of exactly "application/json" (no charset), as its admin page sends.
        using var body = new StringContent(JsonSerializer.Serialize(new { username = AdminUser, password = AdminPassword }));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var login = await http.PostAsync($"{Url}/signalk/v1/auth/login", body);
        var text = await login.Content.ReadAsStringAsync();
        Xunit.Assert.True(login.IsSuccessStatusCode, $"admin login: {(int)login.StatusCode} {text}");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(text).RootElement.GetProperty("token").GetString());
        return http;
    }

    private async Task<JsonElement> JsonAsync(HttpClient http, string path)
    {
        using var answer = await http.GetAsync($"{Url}{path}");
        var text = await answer.Content.ReadAsStringAsync();
        Xunit.Assert.True(answer.IsSuccessStatusCode, $"{path}: {(int)answer.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Device access requests still waiting for the owner.</summary>
    public async Task<int> PendingRequestsAsync()
    {
        using var http = await AdminAsync();
        var pending = await JsonAsync(http, "/skServer/security/access/requests");
        return pending.EnumerateArray().Count(r => r.GetProperty("state").GetString() == "PENDING");
    }

    /// <summary>Removes every approved device, as the owner does in the admin page (its token is refused from then on).</summary>
    public async Task RemoveDevicesAsync()
    {
        using var http = await AdminAsync();
        var devices = await JsonAsync(http, "/skServer/security/devices");
        foreach (var device in devices.EnumerateArray())
        {
            using var removed = await http.DeleteAsync($"{Url}/skServer/security/devices/{device.GetProperty("clientId").GetString()}");
            removed.EnsureSuccessStatusCode();
        }
    }

    /// <summary>A notification under notifications.d3kos as Signal K's REST API shows it (its "value"), or null.</summary>
    public async Task<JsonElement?> NotificationAsync(string path)
    {
        using var http = new HttpClient();
        using var answer = await http.GetAsync($"{Url}/signalk/v1/api/vessels/self/notifications/d3kos/{path.Replace('.', '/')}");
        if (!answer.IsSuccessStatusCode)
        {
            return null;
        }
        var node = await answer.Content.ReadFromJsonAsync<JsonElement>();
        return node.TryGetProperty("value", out var value) ? value : null;
    }

    /// <summary>The whole node as Signal K's REST API answers it (value, $source and the timestamp it stamps on every update it receives).</summary>
    public async Task<string?> RawAsync(string path)
    {
        using var http = new HttpClient();
        using var answer = await http.GetAsync($"{Url}/signalk/v1/api/vessels/self/notifications/d3kos/{path.Replace('.', '/')}");
        return answer.IsSuccessStatusCode ? await answer.Content.ReadAsStringAsync() : null;
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await Task.Yield();
        Directory.Delete(_config, recursive: true);
    }
}
