using System.Net;
using System.Text.Json.Serialization;
using D3kos.Common.Hosting;
using D3kos.Common.Security;
using D3kos.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace D3kos.Common.Tests;

/// <summary>The owner's access on a real Kestrel on loopback, with the services' own defaults and an endpoint of each kind.</summary>
public sealed class TokenAuthenticationHandlerTests : IAsyncDisposable
{
    private const string Token = "the-owner's-token-0123456789";
    private readonly TempRoot _root = new();
    private WebApplication? _app;

    [Fact]
    public async Task The_token_opens_an_owner_s_endpoint_as_a_bearer_or_as_an_api_key()
    {
        using var client = await StartAsync(Token);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, "/owner", "Authorization", $"Bearer {Token}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, "/owner", "X-Api-Key", Token)).StatusCode);
    }

    [Fact]
    public async Task Without_a_token_the_answer_is_401_with_a_problem_that_says_how_to_sign_in()
    {
        using var client = await StartAsync(Token);

        using var response = await SendAsync(client, "/owner");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"success\":false", body, StringComparison.Ordinal);
        Assert.Contains("Authorization: Bearer", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_wrong_tokens_lock_the_address_out_even_with_the_right_one()
    {
        using var client = await StartAsync(Token);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(client, "/owner", "Authorization", "Bearer a-guess")).StatusCode);
        }

        using var locked = await SendAsync(client, "/owner", "Authorization", $"Bearer {Token}");

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_wrong_token_sent_to_an_open_endpoint_is_neither_checked_nor_counted()
    {
        using var client = await StartAsync(Token);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, "/open", "Authorization", "Bearer a-guess")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, "/owner", "Authorization", $"Bearer {Token}")).StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_token_every_owner_s_request_is_refused_with_403()
    {
        using var client = await StartAsync(token: null);

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(client, "/owner", "Authorization", "Bearer anything")).StatusCode);
    }

    private async Task<HttpClient> StartAsync(string? token)
    {
        ProcessSettings.SuppressAutoDefaultAuthenticationScheme();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["D3KOS_FS_ROOT"] = _root.Path;
        builder.Configuration["Auth:TokenFile"] = _root.At("/opt/d3kos/config/api-token");
        if (token is not null)
        {
            builder.Configuration["Auth:Token"] = token;
        }
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddD3kosDefaults(0, TestJson.Default, SessionService.Export);
        _app = builder.Build();
        _app.UseD3kosDefaults();
        _app.MapGet("/owner", () => "owner's");
        _app.MapGet("/open", () => "anyone's").AllowAnonymous();
        await _app.StartAsync(TestContext.Current.CancellationToken);
        return new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string? header = null, string? value = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        _root.Dispose();
    }
}

[JsonSerializable(typeof(string))]
internal sealed partial class TestJson : JsonSerializerContext;
