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

    private async Task<HttpResponseMessage> SignInAsync(object body) =>
        await Browser().PostAsJsonAsync("/api/backup/session", body, TestContext.Current.CancellationToken);

    /// <summary>Signs in with the token; the browser's two halves: the cookie as sent, and the page key from the answer.</summary>
    private async Task<(string Cookie, string Key)> SignedInAsync()
    {
        using var signIn = await SignInAsync(new { token = Token });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        return (CookieOf(signIn), (await signIn.ReadJsonAsync()).GetProperty("page_keys").GetProperty("backup").GetString()!);
    }

    private static string CookieOf(HttpResponseMessage signIn) =>
        signIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string cookie, string? key)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Cookie", cookie);
        if (key is not null)
        {
            request.Headers.Add(OwnerSessions.RequestHeader, key);
        }
        if (method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent([]);
        }
        return await Browser().SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_pairing_link_signs_in_once_with_a_strict_httponly_cookie_and_a_page_key()
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
        var keys = (await first.ReadJsonAsync()).GetProperty("page_keys");
        var key = keys.GetProperty("backup").GetString()!;
        Assert.Equal(43, key.Length);
        Assert.NotEqual(key, keys.GetProperty("export").GetString());
        await Json.AssertProblemAsync(second, 401, "used already");
        // The Pi keeps only hashes, never the cookie or the key.
        var stored = Directory.GetFiles(_boat.Root.At(AuthOptions.SessionsFolder)).Single();
        var onDisk = File.ReadAllText(stored) + Path.GetFileName(stored);
        Assert.DoesNotContain(CookieOf(first).Split('=')[1], onDisk, StringComparison.Ordinal);
        Assert.DoesNotContain(key, onDisk, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_boat.Root.At(AuthOptions.PairingFolder)));
    }

    [Fact]
    public async Task A_pairing_link_asked_with_the_page_s_origin_comes_whole_with_its_qr_code_and_is_never_cached()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/backup/session/pairing") { Content = JsonContent.Create(new { origin = "http://192.168.4.1:8080" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var bad = new HttpRequestMessage(HttpMethod.Post, "/api/backup/session/pairing") { Content = JsonContent.Create(new { origin = "http://192.168.4.1/elsewhere?x" }) };
        bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using var response = await _app.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
        using var refused = await _app.CreateClient().SendAsync(bad, TestContext.Current.CancellationToken);
        var json = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var code = json.GetProperty("code").GetString()!;
        Assert.Equal($"http://192.168.4.1:8080/d3kos/#pair={code}", json.GetProperty("url").GetString());
        var svg = System.Xml.Linq.XDocument.Parse(json.GetProperty("qr_svg").GetString()!).Root!;
        Assert.Equal("svg", svg.Name.LocalName);
        Assert.Contains(svg.Descendants(), e => e.Name.LocalName == "path"); // the modules; the browser test reads them
        await Json.AssertProblemAsync(refused, 400, "origin");
        // The same code signs in once, as any pairing code.
        using var signIn = await SignInAsync(new { pairing_code = code });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }

    [Fact]
    public async Task The_cookie_alone_opens_nothing_the_page_key_is_needed_too()
    {
        // Signal K's and Node-RED's pages on other ports of the helm's address get the cookie from the browser;
        // a plugin there could replay it, but it never sees the key, which only the d3kOS page's origin keeps.
        var (cookie, key) = await SignedInAsync();
        using var created = await SendAsync(HttpMethod.Post, "/api/backup/create", cookie, key);
        var name = (await created.ReadJsonAsync()).GetProperty("backup_file").GetString();

        using var statusWithKey = await SendAsync(HttpMethod.Get, "/api/backup/status", cookie, key);
        using var statusCookieOnly = await SendAsync(HttpMethod.Get, "/api/backup/status", cookie, null);
        using var downloadCookieOnly = await SendAsync(HttpMethod.Get, $"/api/backup/download/{name}", cookie, null);
        using var downloadLink = await SendAsync(HttpMethod.Get, $"/api/backup/download/{name}?key={key}", cookie, null);
        using var linkWithoutCookie = await Browser().GetAsync($"/api/backup/download/{name}?key={key}", TestContext.Current.CancellationToken);
        using var crossSite = await SendAsync(HttpMethod.Post, "/api/backup/create", cookie, null);
        using var changeByLink = await SendAsync(HttpMethod.Post, $"/api/backup/create?key={key}", cookie, null);
        using var wrongKey = await SendAsync(HttpMethod.Get, "/api/backup/status", cookie, (key[0] == 'A' ? "B" : "A") + key[1..]);
        using var head = await Browser().SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/backup/download/{name}?key={key}") { Headers = { { "Cookie", cookie } } }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, statusWithKey.StatusCode);
        await Json.AssertProblemAsync(statusCookieOnly, 403, OwnerSessions.RequestHeader);
        await Json.AssertProblemAsync(downloadCookieOnly, 403, OwnerSessions.RequestHeader);
        Assert.Equal(HttpStatusCode.OK, downloadLink.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, linkWithoutCookie.StatusCode);
        await Json.AssertProblemAsync(crossSite, 403, OwnerSessions.RequestHeader);
        await Json.AssertProblemAsync(changeByLink, 403, OwnerSessions.RequestHeader);
        await Json.AssertProblemAsync(wrongKey, 401, "sign in again");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Single(Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz"));
    }

    [Fact]
    public async Task Each_service_has_its_own_key_and_a_key_opens_only_its_own_session()
    {
        // The export manager runs as d3kos: the key it receives must not open the root backup API.
        using var signIn = await SignInAsync(new { token = Token });
        var exportKey = (await signIn.ReadJsonAsync()).GetProperty("page_keys").GetProperty("export").GetString()!;
        var (otherCookie, otherKey) = await SignedInAsync();

        using var withExportKey = await SendAsync(HttpMethod.Get, "/api/backup/status", CookieOf(signIn), exportKey);
        using var crossed = await SendAsync(HttpMethod.Get, "/api/backup/status", CookieOf(signIn), otherKey);
        using var own = await SendAsync(HttpMethod.Get, "/api/backup/status", otherCookie, otherKey);

        await Json.AssertProblemAsync(withExportKey, 401);
        await Json.AssertProblemAsync(crossed, 401);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task A_cookie_without_its_key_cannot_sign_the_owner_out()
    {
        var (cookie, key) = await SignedInAsync();

        using var signOut = await SendAsync(HttpMethod.Delete, "/api/backup/session", cookie, "x");
        using var still = await SendAsync(HttpMethod.Get, "/api/backup/status", cookie, key);

        Assert.Equal(HttpStatusCode.OK, signOut.StatusCode); // the caller's cookie is cleared, nothing more
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task Ten_cookies_planted_with_longer_paths_before_the_real_one_do_not_hide_it()
    {
        // Over http a page on another port of the helm can set d3kos_session cookies; those with longer paths
        // (/api/, /api/backup/, …) the browser sends first. The page key picks the session, not the order.
        var (cookie, key) = await SignedInAsync();
        var planted = string.Join("; ", Enumerable.Range(0, 10).Select(_ => $"d3kos_session={RandomSecret()}"));

        using var status = await SendAsync(HttpMethod.Get, "/api/backup/status", $"{planted}; {cookie}", key);
        using var asked = await SendAsync(HttpMethod.Get, "/api/backup/session", $"{planted}; {cookie}", key);

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.True((await asked.ReadJsonAsync()).GetProperty("signed_in").GetBoolean());
    }

    [Fact]
    public async Task A_planted_cookie_with_the_real_page_key_is_refused()
    {
        // The key selects the session among the request's cookies; it never stands in for the cookie.
        var (_, key) = await SignedInAsync();

        using var status = await SendAsync(HttpMethod.Get, "/api/backup/status", $"d3kos_session={RandomSecret()}", key);
        using var both = await SendAsync(HttpMethod.Get, "/api/backup/status", $"d3kos_session={RandomSecret()}; __Host-d3kos_session={RandomSecret()}", key);

        await Json.AssertProblemAsync(status, 401, "sign in again");
        await Json.AssertProblemAsync(both, 401, "sign in again");
    }

    [Fact]
    public async Task Over_https_the_cookie_is_host_prefixed_so_no_other_port_can_set_it()
    {
        // nginx says the page came over https: a __Host- cookie is one that no http page and no other host can set.
        using var signInRequest = new HttpRequestMessage(HttpMethod.Post, "/api/backup/session") { Content = JsonContent.Create(new { token = Token }) };
        signInRequest.Headers.Add("X-Forwarded-Proto", "https");
        using var signIn = await Browser().SendAsync(signInRequest, TestContext.Current.CancellationToken);
        var setCookie = signIn.Headers.GetValues("Set-Cookie").Single();
        var key = (await signIn.ReadJsonAsync()).GetProperty("page_keys").GetProperty("backup").GetString()!;
        using var signOutRequest = new HttpRequestMessage(HttpMethod.Delete, "/api/backup/session") { Headers = { { "X-Forwarded-Proto", "https" } } };
        using var status = await SendAsync(HttpMethod.Get, "/api/backup/status", setCookie.Split(';')[0], key);

        using var signOut = await Browser().SendAsync(signOutRequest, TestContext.Current.CancellationToken);

        Assert.StartsWith("__Host-d3kos_session=", setCookie, StringComparison.Ordinal);
        var attributes = setCookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("secure", attributes);
        Assert.Contains("path=/", attributes);
        Assert.Contains("httponly", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("domain=", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        var cleared = signOut.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("__Host-d3kos_session=;", cleared, StringComparison.Ordinal);
        Assert.Contains("secure", cleared, StringComparison.OrdinalIgnoreCase);
    }

    private static string RandomSecret() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public async Task A_new_token_signing_out_and_signing_out_everywhere_each_end_sessions()
    {
        var first = await SignedInAsync();
        var second = await SignedInAsync();
        var third = await SignedInAsync();
        var fourth = await SignedInAsync();

        using var signOut = await SendAsync(HttpMethod.Delete, "/api/backup/session", first.Cookie, first.Key);
        using var afterSignOut = await SendAsync(HttpMethod.Get, "/api/backup/status", first.Cookie, first.Key);
        using var stillIn = await SendAsync(HttpMethod.Get, "/api/backup/status", second.Cookie, second.Key);
        using var everywhere = await SendAsync(HttpMethod.Delete, "/api/backup/sessions", third.Cookie, third.Key);
        using var afterEverywhere = await SendAsync(HttpMethod.Get, "/api/backup/status", second.Cookie, second.Key);
        using var fourthAfterEverywhere = await SendAsync(HttpMethod.Get, "/api/backup/status", fourth.Cookie, fourth.Key);
        var fifth = await SignedInAsync();
        var file = _boat.Root.Write("/opt/d3kos/config/api-token", "a-brand-new-token-9876543210");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        using var afterRotation = await SendAsync(HttpMethod.Get, "/api/backup/status", fifth.Cookie, fifth.Key);
        using var asked = await SendAsync(HttpMethod.Get, "/api/backup/session", fifth.Cookie, fifth.Key);

        Assert.Equal(HttpStatusCode.OK, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterSignOut.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        Assert.Equal(3, (await everywhere.ReadJsonAsync()).GetProperty("sessions_ended").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, afterEverywhere.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, fourthAfterEverywhere.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRotation.StatusCode);
        Assert.False((await asked.ReadJsonAsync()).GetProperty("signed_in").GetBoolean());
    }

    [Fact]
    public async Task Wrong_tokens_count_as_failed_attempts_unknown_codes_and_missing_or_stale_browser_credentials_do_not()
    {
        // A hostile page open in the owner's browser can send credential-less requests and open the page with
        // any #pair=…, and a stale session polls: none of it may lock the owner out of signing in.
        var (cookie, _) = await SignedInAsync();
        for (var i = 0; i < 20; i++)
        {
            using var bare = await Browser().GetAsync("/api/backup/status", TestContext.Current.CancellationToken);
            using var stale = await SendAsync(HttpMethod.Get, "/api/backup/status", $"d3kos_session={new string('C', 43)}", new string('D', 43));
            using var cookieOnly = await SendAsync(HttpMethod.Get, "/api/backup/status", cookie, null);
            using var code = await SignInAsync(new { pairing_code = $"{i:D2}AAAAAAAAAAAAAAAAAAAA" });
            Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, cookieOnly.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, code.StatusCode);
        }
        using (var stillAllowed = await SignInAsync(new { token = Token }))
        {
            Assert.Equal(HttpStatusCode.OK, stillAllowed.StatusCode);
        }
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await SignInAsync(new { token = $"guess-{i}-0000000000000" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var limited = await SignInAsync(new { token = Token });

        await Json.AssertProblemAsync(limited, 429, "Too many failed attempts");
    }

    [Fact]
    public void Sessions_and_pairing_codes_expire()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var options = Microsoft.Extensions.Options.Options.Create(new AuthOptions());
        var root = new D3kos.Common.Files.D3kosRoot(_boat.Root.Path);
        var sessions = new OwnerSessions(options, root, new AccessToken(options, root), time, new SessionScope(SessionService.Backup));
        var opened = sessions.Open();
        var (cookie, key, expires) = (opened.Cookie, opened.BackupKey, opened.Expires);
        var (code, _) = sessions.NewPairingCode();
        var (lateCode, _) = sessions.NewPairingCode();

        var liveAtFirst = sessions.Expiry([cookie], key);
        time.Advance(TimeSpan.FromMinutes(9));
        var codeInTime = sessions.TakePairingCode(code);
        time.Advance(TimeSpan.FromMinutes(2));
        var codeTooLate = sessions.TakePairingCode(lateCode);
        time.SetUtcNow(expires.AddSeconds(-1));
        var liveAtTheEnd = sessions.Expiry([cookie], key);
        time.SetUtcNow(expires);

        Assert.Equal(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero), liveAtFirst);
        Assert.True(codeInTime);
        Assert.False(codeTooLate);
        Assert.NotNull(liveAtTheEnd);
        Assert.Null(sessions.Expiry([cookie], key));
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
