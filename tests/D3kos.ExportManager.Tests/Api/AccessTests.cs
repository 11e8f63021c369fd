using System.Net;
using System.Net.Http.Headers;
using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.ExportManager.Tests;

/// <summary>Exports and the boat log need the owner's token; the helm display's status stays open.</summary>
public sealed class AccessTests : IDisposable
{
    private const string Token = "owner-token-0123456789abcdef";
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    private ExportManagerApp App(string? token = Token) => new(_root, new Dictionary<string, string?>
    {
        ["Auth:AllowUnauthenticatedLoopback"] = "false",
        ["Auth:Token"] = token,
    });

    public static TheoryData<string, string> AdminEndpoints => new()
    {
        { "POST", "/export/generate" },
        { "POST", "/export/boatlog" },
        { "POST", "/export/queue/process" },
        { "GET", "/export/boatlog/csv" },
        { "GET", "/export/boatlog/types" },
    };

    private static HttpRequestMessage Request(string method, string url, string? bearer = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return request;
    }

    [Fact]
    public async Task A_browser_session_opened_by_the_backup_API_works_here_and_a_change_needs_the_pages_header()
    {
        var opened = OpenedByTheBackupApi();
        var (cookie, key) = (opened.Cookie, opened.ExportKey);
        using var app = AppOnTheTokenHash();
        var client = app.CreateClient(new() { HandleCookies = false });

        using var csv = Request("GET", $"/export/boatlog/csv?key={key}");
        csv.Headers.Add("Cookie", $"{D3kos.Common.Security.SessionCookie.PlainName}={cookie}");
        using var csvResponse = await client.SendAsync(csv, TestContext.Current.CancellationToken);
        using var crossSite = Request("POST", "/export/queue/process");
        crossSite.Headers.Add("Cookie", $"{D3kos.Common.Security.SessionCookie.PlainName}={cookie}");
        using var crossSiteResponse = await client.SendAsync(crossSite, TestContext.Current.CancellationToken);
        using var forged = Request("GET", "/export/boatlog/csv");
        forged.Headers.Add("Cookie", $"{D3kos.Common.Security.SessionCookie.PlainName}={new string('A', 43)}");
        forged.Headers.Add(D3kos.Common.Security.OwnerSessions.RequestHeader, key);
        using var forgedResponse = await client.SendAsync(forged, TestContext.Current.CancellationToken);

        using var withBackupKey = Request("GET", $"/export/boatlog/csv?key={opened.BackupKey}");
        withBackupKey.Headers.Add("Cookie", $"{D3kos.Common.Security.SessionCookie.PlainName}={cookie}");
        using var withBackupKeyResponse = await client.SendAsync(withBackupKey, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withBackupKeyResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, crossSiteResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedResponse.StatusCode);
    }

    [Fact]
    public async Task The_https_cookie_name_is_read_here_too_and_cookies_planted_before_it_do_not_hide_it()
    {
        // Over https the backup API sets __Host-d3kos_session; over http another port can still plant
        // d3kos_session cookies that the browser sends first. The export key picks the session.
        var opened = OpenedByTheBackupApi();
        using var app = AppOnTheTokenHash();
        var planted = Enumerable.Range(0, 10).Select(i => $"d3kos_session={(char)('A' + i)}{new string('x', 42)}");
        using var csv = Request("GET", "/export/boatlog/csv");
        csv.Headers.Add("Cookie", string.Join("; ", [.. planted, $"{D3kos.Common.Security.SessionCookie.HostName}={opened.Cookie}"]));
        csv.Headers.Add(D3kos.Common.Security.OwnerSessions.RequestHeader, opened.ExportKey);

        using var response = await app.CreateClient(new() { HandleCookies = false }).SendAsync(csv, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A session as the backup API (root) opens it, on the token it reads; the export manager gets only the hash.</summary>
    private D3kos.Common.Security.OpenedSession OpenedByTheBackupApi()
    {
        _root.Write("/opt/d3kos/config/api-token", Token);
        _root.Write("/opt/d3kos/config/api-token.sha256", "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Token))));
        var options = Microsoft.Extensions.Options.Options.Create(new D3kos.Common.Security.AuthOptions());
        var root = new D3kos.Common.Files.D3kosRoot(_root.Path);
        return new D3kos.Common.Security.OwnerSessions(options, root, new D3kos.Common.Security.AccessToken(options, root),
            TimeProvider.System, new D3kos.Common.Security.SessionScope(D3kos.Common.Security.SessionService.Backup)).Open();
    }

    /// <summary>The export manager as installed: it checks sessions against the token's hash file.</summary>
    private ExportManagerApp AppOnTheTokenHash() => new(_root, new Dictionary<string, string?>
    {
        ["Auth:AllowUnauthenticatedLoopback"] = "false",
        ["Auth:TokenFile"] = "/opt/d3kos/config/api-token.sha256",
    });

    [Fact]
    public void Every_endpoint_is_the_owners_but_those_decided_open()
    {
        // A new endpoint is protected unless someone marks it AllowAnonymous, and then this list changes too.
        using var app = App();

        Assert.Equal(["/export/history", "/export/queue", "/export/status", "/health", "/openapi/{documentName}.json"], OpenEndpoints(app.Services));
        Assert.DoesNotContain(Endpoints(app.Services), e => e.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Count > 0);
        Assert.All(Endpoints(app.Services).Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null),
            e => Assert.All(e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"], m => Assert.Contains(m, new[] { "GET", "HEAD" })));
        Assert.Equal(AdminEndpoints.Select(row => row.Data.Item2).Order(StringComparer.Ordinal), ProtectedEndpoints(app.Services));
    }

    internal static string[] OpenEndpoints(IServiceProvider services) =>
        [.. Endpoints(services).Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)
            .Select(e => e.RoutePattern.RawText!.TrimEnd('/')).Distinct().Order(StringComparer.Ordinal)];

    internal static string[] ProtectedEndpoints(IServiceProvider services) =>
        [.. Endpoints(services).Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null)
            .Select(e => e.RoutePattern.RawText!.TrimEnd('/')).Distinct().Order(StringComparer.Ordinal)];

    private static IEnumerable<Microsoft.AspNetCore.Routing.RouteEndpoint> Endpoints(IServiceProvider services) =>
        services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>();

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task Admin_endpoint_without_or_with_wrong_token_returns_401(string method, string url)
    {
        await using var app = App();
        var client = app.CreateClient();

        using var without = await client.SendAsync(Request(method, url), TestContext.Current.CancellationToken);
        using var wrong = await client.SendAsync(Request(method, url, "not-the-token-at-all"), TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(without, 401);
        await Json.AssertProblemAsync(wrong, 401);
        Assert.Equal("Bearer", without.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task Admin_endpoint_with_the_token_works(string method, string url)
    {
        await using var app = App();

        using var response = await app.CreateClient().SendAsync(Request(method, url, Token), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/export/status")]
    [InlineData("/export/queue")]
    [InlineData("/export/history")]
    public async Task Read_only_endpoint_without_token_works(string url)
    {
        await using var app = App();

        using var response = await app.CreateClient().GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task No_token_configured_returns_403_with_the_how_to()
    {
        await using var app = App(token: null);

        using var response = await app.CreateClient().PostAsync("/export/generate", null, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 403, "Auth:Token");
    }

    [Fact]
    public async Task A_token_file_holding_only_the_hash_checks_the_token_without_revealing_it()
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Token)));
        _root.Write("/opt/d3kos/config/api-token.sha256", $"sha256:{hash}\n");
        await using var app = new ExportManagerApp(_root, new Dictionary<string, string?>
        {
            ["Auth:AllowUnauthenticatedLoopback"] = "false",
            ["Auth:Token"] = null,
            ["Auth:TokenFile"] = "/opt/d3kos/config/api-token.sha256",
        });
        var client = app.CreateClient();

        using var right = await client.SendAsync(Request("POST", "/export/boatlog", Token), TestContext.Current.CancellationToken);
        using var wrong = await client.SendAsync(Request("POST", "/export/boatlog", "sha256:" + hash), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Theory]
    [InlineData("X-Forwarded-For", "192.168.4.23")]
    [InlineData("X-Real-IP", "192.168.4.23")]
    [InlineData("Forwarded", "for=192.168.4.23")]
    public async Task The_demo_switch_does_not_open_admin_operations_to_requests_through_a_proxy(string header, string value)
    {
        // nginx makes every guest arrive from loopback; only a direct local caller may use the switch.
        await using var app = new ExportManagerApp(_root, new Dictionary<string, string?>
        {
            ["Auth:AllowUnauthenticatedLoopback"] = "true",
            ["Auth:Token"] = null,
        });
        var client = app.CreateClient();
        using var direct = await client.PostAsync("/export/boatlog", null, TestContext.Current.CancellationToken);
        using var proxied = new HttpRequestMessage(HttpMethod.Post, "/export/boatlog");
        proxied.Headers.TryAddWithoutValidation(header, value);

        using var response = await client.SendAsync(proxied, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        await Json.AssertProblemAsync(response, 403, "No access token is configured");
    }

    public void Dispose() => _root.Dispose();
}
