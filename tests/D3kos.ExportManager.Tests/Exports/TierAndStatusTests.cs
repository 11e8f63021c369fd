using System.Net.Http.Json;
using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.ExportManager.Tests;

public sealed class TierAndStatusTests : IDisposable
{
    private readonly TempRoot _root = new();

    [Fact]
    public async Task Health_reports_queue_and_worker()
    {
        _root.WithLicense(tier: 1);
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();

        var health = await client.GetJsonAsync("/health");

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("export-manager", health.GetProperty("service").GetString());
        Assert.True(health.GetProperty("queue_initialized").GetBoolean());
        Assert.True(health.GetProperty("worker_running").GetBoolean());
    }

    [Fact]
    public async Task Open_api_describes_the_endpoints_with_their_tags()
    {
        _root.WithLicense(tier: 1);
        await using var app = new ExportManagerApp(_root);

        var document = await app.CreateClient().GetJsonAsync("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/export/generate", "/export/boatlog", "/export/boatlog/csv", "/export/queue", "/export/status" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not described");
        }
        var tags = paths.GetProperty("/export/generate").GetProperty("post").GetProperty("tags").EnumerateArray().Select(t => t.GetString());
        Assert.Contains("Exports", tags);
    }

    [Fact]
    public async Task Health_answers_get_and_head_only()
    {
        _root.WithLicense(tier: 1);
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health"), TestContext.Current.CancellationToken);
        using var post = await client.PostAsync("/health", null, TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task Health_is_unhealthy_when_the_queue_worker_has_stopped()
    {
        _root.WithLicense(tier: 1);
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();
        var worker = app.Services.GetRequiredService<D3kos.ExportManager.Queue.ExportQueueWorker>();
        await Eventually.TrueAsync(() => worker.IsRunning, "the worker starts");

        await worker.StopAsync(CancellationToken.None);
        using var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        var health = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.False(health.GetProperty("worker_running").GetBoolean());
        Assert.Contains("worker has stopped", health.GetProperty("checks").GetProperty("queue_worker").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_with_tier_one_license_can_export_and_shows_empty_queue()
    {
        _root.WithLicense(tier: 1);
        await using var app = new ExportManagerApp(_root);

        var status = await app.CreateClient().GetJsonAsync("/export/status");

        Assert.True(status.GetProperty("success").GetBoolean());
        Assert.Equal(8094, status.GetProperty("port").GetInt32());
        Assert.Equal(1, status.GetProperty("tier").GetInt32());
        Assert.True(status.GetProperty("can_export").GetBoolean());
        var queue = status.GetProperty("queue");
        foreach (var name in new[] { "pending", "retry", "completed", "failed", "total" })
        {
            Assert.Equal(0, queue.GetProperty(name).GetInt32());
        }
    }

    [Theory]
    [InlineData("/export/generate")]
    [InlineData("/export/boatlog")]
    public async Task Export_with_tier_zero_returns_403(string url)
    {
        _root.WithLicense(tier: 0);
        await using var app = new ExportManagerApp(_root);

        using var response = await app.CreateClient().PostAsync(url, null, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 403, "Tier 0 does not have export capability");
    }

    [Fact]
    public async Task Csv_without_license_returns_403()
    {
        await using var app = new ExportManagerApp(_root);

        using var response = await app.CreateClient().GetAsync("/export/boatlog/csv", TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 403, "License file not found");
    }

    [Fact]
    public async Task Generate_with_unparsable_license_returns_403_saying_so()
    {
        _root.Write("/opt/d3kos/config/license.json", "{\"tier\": 1,");
        await using var app = new ExportManagerApp(_root);

        using var response = await app.CreateClient().PostAsync("/export/generate", null, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 403, "cannot be parsed");
    }

    [Theory]
    [InlineData("\"2\"")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("[1]")]
    [InlineData("{\"level\":1}")]
    [InlineData("2.5")]
    public async Task A_tier_that_is_not_a_whole_number_is_no_valid_tier_never_a_500(string tier)
    {
        _root.Write("/opt/d3kos/config/license.json", $$"""{"installation_id":"0123456789abcdef","tier":{{tier}}}""");
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();

        var status = await client.GetJsonAsync("/export/status");
        using var refused = await client.PostAsync("/export/generate", null, TestContext.Current.CancellationToken);

        Assert.False(status.GetProperty("can_export").GetBoolean());
        await Json.AssertProblemAsync(refused, 403, "no valid tier");
    }

    [Fact]
    public async Task Tier_upgrade_takes_effect_without_restart()
    {
        _root.WithLicense(tier: 0);
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();
        using (var refused = await client.PostAsync("/export/boatlog", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(403, (int)refused.StatusCode);
        }

        var license = _root.WithLicense(tier: 2).At("/opt/d3kos/config/license.json");
        File.SetLastWriteTimeUtc(license, DateTime.UtcNow.AddSeconds(5));

        var accepted = await client.PostJsonAsync("/export/boatlog");
        Assert.True(accepted.GetProperty("success").GetBoolean());
        var status = await client.GetJsonAsync("/export/status");
        Assert.Equal(2, status.GetProperty("tier").GetInt32());
    }

    public void Dispose() => _root.Dispose();
}
