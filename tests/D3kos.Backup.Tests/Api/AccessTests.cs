using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Authorization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace D3kos.Backup.Tests;

/// <summary>Only the owner, holding the token, may download secrets or overwrite the boat.</summary>
public sealed class AccessTests : IAsyncLifetime
{
    private const string Token = "owner-token-0123456789abcdef";
    private const string Missing = "d3kos_backup_20200101_000000.tar.gz";
    private readonly BoatRoot _boat = new();
    private BackupApiApp _app = null!;

    public ValueTask InitializeAsync()
    {
        _boat.Root.Write("/opt/d3kos/config/api-token", Token + "\n");
        _app = new BackupApiApp(_boat.Settings(("Auth:AllowUnauthenticatedLoopback", "false"), ("Auth:MaxFailures", "5")));
        return ValueTask.CompletedTask;
    }

    public static TheoryData<string, string> AdminEndpoints => new()
    {
        { "POST", "/api/backup/create" },
        { "GET", $"/api/backup/download/{Missing}" },
        { "GET", $"/api/backup/verify/{Missing}" },
        { "POST", "/api/backup/restore" },
        { "POST", "/api/backup/upload" },
        { "DELETE", $"/api/backup/{Missing}" },
        { "GET", "/api/backup/status" },
        { "POST", "/api/backup/copy" },
        { "POST", "/api/backup/email/test" },
        { "PUT", "/api/backup/passphrase" },
        { "POST", "/api/backup/jobs/create" },
        { "POST", $"/api/backup/jobs/verify/{Missing}" },
        { "POST", "/api/backup/jobs/restore" },
        { "GET", $"/api/backup/jobs/{Missing}" },
        { "POST", "/api/backup/jobs/copy" },
        { "POST", "/api/backup/jobs/import" },
        { "GET", "/api/backup/targets/shore/copies" },
        { "PUT", "/api/backup/targets/shore/secret" },
        { "POST", "/api/backup/session/pairing" },
        { "DELETE", "/api/backup/sessions" },
    };

    [Fact]
    public void Every_endpoint_is_the_owners_but_those_decided_open()
    {
        // A new endpoint is protected unless someone marks it AllowAnonymous, and then this list changes too;
        // none carries a policy of its own that would stand in for the owner's fallback policy.
        var endpoints = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var open = endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null).SelectMany(MethodAndPattern).Order(StringComparer.Ordinal);
        var owners = endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null).Select(e => e.RoutePattern.RawText!).Distinct();

        Assert.Equal(["DELETE /api/backup/session", "GET /api/backup/list", "GET /api/backup/session", "GET /health", "GET /openapi/{documentName}.json", "HEAD /api/backup/list", "HEAD /health", "POST /api/backup/session"], open);
        Assert.DoesNotContain(endpoints, e => e.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0);
        Assert.Equal(AdminEndpoints.Select(row => row.Data.Item2).Select(Pattern).Order(StringComparer.Ordinal), owners.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> MethodAndPattern(RouteEndpoint endpoint) =>
        (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {endpoint.RoutePattern.RawText}");

    /// <summary>The route pattern a test URL reaches ("/api/backup/download/x.tar.gz" → "/api/backup/download/{filename}").</summary>
    private static string Pattern(string url) =>
        url.Replace($"/jobs/{Missing}", "/jobs/{id}", StringComparison.Ordinal).Replace("/targets/shore/", "/targets/{target}/", StringComparison.Ordinal)
            .Replace(Missing, "{filename}", StringComparison.Ordinal);

    private static HttpRequestMessage Request(string method, string url, string? bearer = null, string? apiKey = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (url.EndsWith("/restore", StringComparison.Ordinal))
        {
            request.Content = JsonContent.Create(new { backup_file = Missing, confirm = true });
        }
        else if (method == "POST")
        {
            request.Content = new ByteArrayContent([]);
        }
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        return request;
    }

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task Admin_endpoint_without_token_returns_401_with_challenge(string method, string url)
    {
        using var response = await _app.CreateClient().SendAsync(Request(method, url), TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 401, "access token");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task Admin_endpoint_with_wrong_token_returns_401(string method, string url)
    {
        using var response = await _app.CreateClient().SendAsync(Request(method, url, bearer: Token + "x"), TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 401);
    }

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task Admin_endpoint_with_the_token_gets_past_the_guard(string method, string url)
    {
        using var response = await _app.CreateClient().SendAsync(Request(method, url, bearer: Token), TestContext.Current.CancellationToken);

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Create_with_the_token_as_api_key_works()
    {
        using var response = await _app.CreateClient().SendAsync(Request("POST", "/api/backup/create", apiKey: Token), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/api/backup/list")]
    public async Task Read_only_endpoint_without_token_works(string url)
    {
        using var response = await _app.CreateClient().GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Repeated_failures_are_slowed_down_with_429()
    {
        var client = _app.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await client.SendAsync(Request("POST", "/api/backup/create", bearer: $"guess-{i}"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var limited = await client.SendAsync(Request("POST", "/api/backup/create", bearer: Token), TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(limited, 429, "Too many failed attempts");
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Fact]
    public async Task No_token_configured_refuses_with_403_that_says_how_to_set_one()
    {
        File.Delete(_boat.Root.At("/opt/d3kos/config/api-token"));

        using var response = await _app.CreateClient().SendAsync(Request("POST", "/api/backup/create"), TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 403, "api-token");
    }

    [Fact]
    public async Task Rotated_token_file_takes_effect_without_restart()
    {
        var client = _app.CreateClient();
        using (var before = await client.SendAsync(Request("POST", "/api/backup/create", bearer: Token), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var file = _boat.Root.Write("/opt/d3kos/config/api-token", "a-brand-new-token-9876543210");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));

        using var old = await client.SendAsync(Request("POST", "/api/backup/create", bearer: Token), TestContext.Current.CancellationToken);
        using var rotated = await client.SendAsync(Request("POST", "/api/backup/create", bearer: "a-brand-new-token-9876543210"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _boat.Dispose();
    }
}

/// <summary>
/// Behind nginx every request comes through its Unix socket: the limiter counts the client nginx forwards. On
/// the loopback port, where any local process may connect, a forwarded address is never believed.
/// </summary>
public sealed class ForwardedClientTests : IAsyncLifetime
{
    private readonly BoatRoot _boat = new();
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"d3kos-nginx-{Guid.NewGuid():N}.sock");
    private BackupApiApp _app = null!;
    private HttpClient _nginx = null!;

    public ValueTask InitializeAsync()
    {
        _boat.Root.Write("/opt/d3kos/config/api-token", "owner-token-0123456789abcdef");
        _app = new BackupApiApp(_boat.Settings(("Auth:AllowUnauthenticatedLoopback", "false"), ("Auth:MaxFailures", "3")));
        // Real sockets, as on the Pi: nginx's Unix socket and the loopback port. Listen rather than
        // UseKestrel(0): that overload rewrites the server's addresses while a minimal-API app may
        // already be binding them, and fails one run in many (dotnet/aspnetcore#67714).
        _app.UseKestrel(kestrel =>
        {
            kestrel.ListenUnixSocket(_socket);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        _app.StartServer();
        _nginx = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(_socket), cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://localhost") };
        return ValueTask.CompletedTask;
    }

    /// <summary>A client of the loopback port: curl on the Pi, or any local process.</summary>
    private HttpClient Direct()
    {
        var addresses = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        return new HttpClient { BaseAddress = new Uri(addresses.Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))) };
    }

    private static async Task<HttpStatusCode> GuessFrom(HttpClient client, string clientAddress)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/backup/create");
        request.Headers.Add("X-Forwarded-For", clientAddress);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "a-wrong-guess-0000000000");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Reading_the_open_list_never_counts_as_a_failed_attempt()
    {
        // The helm display polls the list without a token: only the owner's endpoints check one.
        var client = _nginx;
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/backup/list");
            request.Headers.Add("X-Forwarded-For", "192.0.2.20");
            using var list = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await GuessFrom(client, "192.0.2.20"));
    }

    [Fact]
    public async Task Unknown_paths_and_wrong_methods_answer_404_and_405_and_never_count()
    {
        var client = _nginx;
        for (var i = 0; i < 5; i++)
        {
            foreach (var (method, url, status) in new[] { ("GET", "/api/backup/nothing/here", 404), ("POST", "/api/backup/list", 405), ("OPTIONS", "/api/backup/create", 405) })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), url);
                request.Headers.Add("X-Forwarded-For", "192.0.2.30");
                using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
                Assert.Equal(status, (int)response.StatusCode);
            }
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await GuessFrom(client, "192.0.2.30"));
    }

    [Fact]
    public async Task Parallel_guesses_get_no_more_tries_than_the_limit()
    {
        // Checked and counted in one step: thirty guesses sent at once get three answers, then 429s.
        var client = _nginx;

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => GuessFrom(client, "192.0.2.40")));

        Assert.Equal(3, answers.Count(a => a == HttpStatusCode.Unauthorized));
        Assert.Equal(27, answers.Count(a => a == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task A_forwarded_address_sent_to_the_loopback_port_is_not_believed()
    {
        // A local process claims to be a guest on the Wi-Fi: its guesses count against itself, never the guest.
        using var direct = Direct();
        for (var i = 0; i < 4; i++)
        {
            await GuessFrom(direct, "192.168.4.23");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await GuessFrom(direct, "192.0.2.77"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/backup/create") { Headers = { { "X-Forwarded-For", "192.168.4.23" } } };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "owner-token-0123456789abcdef");
        using var guest = await _nginx.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, guest.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, guest.StatusCode);
    }

    [Fact]
    public async Task Guesses_through_nginx_do_not_lock_out_a_local_caller_of_the_port_nor_the_other_way()
    {
        for (var i = 0; i < 4; i++)
        {
            await GuessFrom(_nginx, "127.0.0.1");
        }
        using var direct = Direct();

        Assert.Equal(HttpStatusCode.Unauthorized, await GuessFrom(direct, "127.0.0.1"));
    }

    [Fact]
    public async Task Wrong_sign_ins_on_the_loopback_port_do_not_lock_out_the_helm_s_browser_through_nginx()
    {
        using var direct = Direct();
        for (var i = 0; i < 4; i++)
        {
            using var guess = await direct.PostAsJsonAsync("/api/backup/session", new { token = "a-wrong-guess-0000000000" }, TestContext.Current.CancellationToken);
        }
        using var locked = await direct.PostAsJsonAsync("/api/backup/session", new { token = "owner-token-0123456789abcdef" }, TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/backup/session")
        {
            Headers = { { "X-Forwarded-For", "127.0.0.1" } },
            Content = JsonContent.Create(new { token = "owner-token-0123456789abcdef" }),
        };

        using var helm = await _nginx.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, helm.StatusCode);
    }

    [Fact]
    public async Task Guesses_from_one_guest_do_not_lock_out_another()
    {
        var client = _nginx;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await GuessFrom(client, "192.0.2.10"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await GuessFrom(client, "192.0.2.10"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GuessFrom(client, "192.0.2.99"));
    }

    public async ValueTask DisposeAsync()
    {
        _nginx.Dispose();
        await _app.DisposeAsync();
        File.Delete(_socket);
        _boat.Dispose();
    }
}
