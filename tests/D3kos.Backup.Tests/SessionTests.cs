using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using D3kos.Common.Security;
using D3kos.Testing;

namespace D3kos.Backup.Tests;

/// <summary>The browser's sign-in: a one-time pairing link or the token opens a cookie session; a change from the page needs its header.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private const string Token = "owner-token-0123456789abcdef";
    private readonly BoatRoot _boat = new();
    private BackupApiApp _app = null!;

    public ValueTask InitializeAsync()
    {
        _boat.Root.Write("/opt/d3kos/config/api-token", Token + "\n");
        _app = new BackupApiApp(_boat.Settings(("Auth:AllowUnauthenticatedLoopback", "false"), ("Auth:MaxFailures", "5")));
        return ValueTask.CompletedTask;
    }

    private HttpClient Browser() => _app.CreateClient(new() { HandleCookies = false });

    private async Task<string> NewPairingCodeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/backup/session/pairing");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await _app.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
        var json = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var code = json.GetProperty("code").GetString()!;
        Assert.Equal($"/d3kos/#pair={code}", json.GetProperty("link").GetString());
        return code;
    }

    /// <summary>Signs in with the code and returns the Set-Cookie header as sent.</summary>
    private async Task<HttpResponseMessage> SignInAsync(object body) =>
        await Browser().PostAsJsonAsync("/api/backup/session", body, TestContext.Current.CancellationToken);

    private static string CookieOf(HttpResponseMessage signIn) =>
        signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string cookie, bool pageHeader)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Cookie", cookie);
        if (pageHeader)
        {
            request.Headers.Add(OwnerSessions.RequestHeader, "1");
        }
        if (method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent([]);
        }
        return await Browser().SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_pairing_link_signs_in_once_with_a_strict_httponly_cookie()
    {
        var code = await NewPairingCodeAsync();

        using var first = await SignInAsync(new { pairing_code = code });
        using var second = await SignInAsync(new { pairing_code = code });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var setCookie = first.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant();
        Assert.StartsWith("d3kos_session=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", setCookie, StringComparison.Ordinal);
        Assert.Contains("expires=", setCookie, StringComparison.Ordinal);
        Assert.DoesNotContain("secure", setCookie, StringComparison.Ordinal); // plain http on the boat; https gets Secure
        await Json.AssertProblemAsync(second, 401, "used already");
        // The Pi keeps only the session's hash, never the cookie itself.
        var stored = Directory.GetFiles(_boat.Root.At("/opt/d3kos/config/sessions")).Single();
        Assert.DoesNotContain(CookieOf(first).Split('=')[1], File.ReadAllText(stored) + Path.GetFileName(stored), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_boat.Root.At("/opt/d3kos/config/pairing")));
    }

    [Fact]
    public async Task The_session_opens_the_owners_endpoints_and_a_change_needs_the_pages_header()
    {
        using var signIn = await SignInAsync(new { token = Token });
        var cookie = CookieOf(signIn);

        using var status = await SendAsync(HttpMethod.Get, "/api/backup/status", cookie, pageHeader: false);
        using var crossSite = await SendAsync(HttpMethod.Post, "/api/backup/create", cookie, pageHeader: false);
        var afterRefusal = Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz");
        using var fromPage = await SendAsync(HttpMethod.Post, "/api/backup/create", cookie, pageHeader: true);

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        await Json.AssertProblemAsync(crossSite, 403, OwnerSessions.RequestHeader);
        Assert.Empty(afterRefusal);
        Assert.Equal(HttpStatusCode.OK, fromPage.StatusCode);
    }

    [Fact]
    public async Task A_new_token_and_signing_out_each_end_the_session()
    {
        using var first = await SignInAsync(new { token = Token });
        using var second = await SignInAsync(new { token = Token });

        using var signOut = await SendAsync(HttpMethod.Delete, "/api/backup/session", CookieOf(first), pageHeader: true);
        using var afterSignOut = await SendAsync(HttpMethod.Get, "/api/backup/status", CookieOf(first), pageHeader: false);
        using var stillIn = await SendAsync(HttpMethod.Get, "/api/backup/status", CookieOf(second), pageHeader: false);
        var file = _boat.Root.Write("/opt/d3kos/config/api-token", "a-brand-new-token-9876543210");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        using var afterRotation = await SendAsync(HttpMethod.Get, "/api/backup/status", CookieOf(second), pageHeader: false);
        using var asked = await SendAsync(HttpMethod.Get, "/api/backup/session", CookieOf(second), pageHeader: false);

        Assert.Equal(HttpStatusCode.OK, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterSignOut.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRotation.StatusCode);
        Assert.False((await asked.ReadJsonAsync()).GetProperty("signed_in").GetBoolean());
    }

    [Fact]
    public async Task Wrong_tokens_and_unknown_codes_count_as_failed_attempts()
    {
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await SignInAsync(i % 2 == 0 ? new { token = $"guess-{i}-0000000000000" } : new { pairing_code = "AAAAAAAAAAAAAAAAAAAAAA" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var limited = await SignInAsync(new { token = Token });

        await Json.AssertProblemAsync(limited, 429, "Too many failed attempts");
    }

    [Fact]
    public async Task Create_as_a_job_reports_progress_and_ends_with_the_backup()
    {
        _boat.Root.Write("/opt/d3kos/data/images/big.bin", new string('x', 4 << 20));
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using var started = await client.PostAsync("/api/backup/jobs/create", null, TestContext.Current.CancellationToken);
        var job = await started.ReadJsonAsync();
        JsonElement end = default;
        await Eventually.TrueAsync(async () =>
        {
            end = await client.GetFromJsonAsync<JsonElement>(started.Headers.Location, TestContext.Current.CancellationToken);
            return end.GetProperty("state").GetString() != "running";
        }, "the create job to end", TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("create", job.GetProperty("kind").GetString());
        Assert.Equal("succeeded", end.GetProperty("state").GetString());
        var made = end.GetProperty("create").GetProperty("backup_file").GetString()!;
        Assert.True(File.Exists(Path.Combine(_boat.BackupsFolder, made)));
    }

    [Fact]
    public async Task A_failed_job_carries_the_problems_status_and_sentence()
    {
        Directory.CreateDirectory(_boat.BackupsFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(_boat.BackupsFolder, "d3kos_backup_20250101_000000.tar.gz"), "not a gzip file");
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using var started = await client.PostAsJsonAsync("/api/backup/jobs/restore",
            new { backup_file = "d3kos_backup_20250101_000000.tar.gz", confirm = true }, TestContext.Current.CancellationToken);
        JsonElement end = default;
        await Eventually.TrueAsync(async () =>
        {
            end = await client.GetFromJsonAsync<JsonElement>(started.Headers.Location, TestContext.Current.CancellationToken);
            return end.GetProperty("state").GetString() != "running";
        }, "the restore job to end", TimeSpan.FromSeconds(60));

        Assert.Equal("failed", end.GetProperty("state").GetString());
        Assert.False(end.GetProperty("success").GetBoolean());
        Assert.Equal(422, end.GetProperty("status").GetInt32());
        Assert.Contains("nothing was changed", end.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _boat.Dispose();
    }
}
