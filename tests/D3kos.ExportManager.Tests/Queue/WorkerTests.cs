using System.Diagnostics;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

public sealed class WorkerTests : IDisposable
{
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    [Fact]
    public async Task New_export_is_delivered_within_seconds_not_at_the_next_tick()
    {
        // The interval is an hour: only the wake-up on enqueue can deliver this quickly.
        await using var app = new ExportManagerApp(_root, new Dictionary<string, string?> { ["Export:ProcessInterval"] = "01:00:00" });
        var client = app.CreateClient();

        var answer = await client.PostJsonAsync("/export/boatlog");
        var queueId = answer.GetProperty("queue_id").GetString();

        await Eventually.TrueAsync(async () => (await client.GetJsonAsync("/export/history")).GetProperty("count").GetInt32() > 0, "the export reaches the history");
        var history = await client.GetJsonAsync("/export/history");
        Assert.Equal("completed", history.GetProperty("entries")[0].GetProperty("status").GetString());
        Assert.True(File.Exists(_root.At($"/opt/d3kos/data/exports/outbox/{queueId}.json.gz")));
    }

    [Fact]
    public async Task Manual_process_while_a_run_is_under_way_returns_409()
    {
        await using var central = await LoopbackCentral.StartAsync();
        central.Default = CentralBehaviour.Hang;
        await using var app = new ExportManagerApp(_root, new Dictionary<string, string?>
        {
            ["Central:Url"] = central.Url.ToString(),
            ["Central:Timeout"] = "00:00:05",
        });
        var client = app.CreateClient();
        await client.PostJsonAsync("/export/boatlog");
        await Eventually.TrueAsync(() => !central.Received.IsEmpty, "the worker starts uploading");

        using var response = await client.PostAsync("/export/queue/process", null, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 409, "being processed");
    }

    [Fact]
    public async Task Manual_process_reports_what_happened()
    {
        await using var central = await LoopbackCentral.StartAsync();
        central.Default = CentralBehaviour.BadRequest;
        await using var app = new ExportManagerApp(_root, new Dictionary<string, string?>
        {
            ["Central:Url"] = central.Url.ToString(),
            ["Export:ProcessInterval"] = "01:00:00",
        });
        var client = app.CreateClient();
        await client.PostJsonAsync("/export/boatlog");

        // The worker may get there first; either way, the entry ends failed exactly once.
        await client.PostAsync("/export/queue/process", null, TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(async () => (await client.GetJsonAsync("/export/status")).GetProperty("queue").GetProperty("failed").GetInt32() > 0, "the entry fails");

        // The run that failed it may still be finishing (409 meanwhile): the next one that gets in has nothing to do.
        System.Text.Json.JsonElement report = default;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await client.PostAsync("/export/queue/process", null, TestContext.Current.CancellationToken);
            if (response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                return false;
            }
            report = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
            return true;
        }, "a manual run after the first one ended");
        Assert.True(report.GetProperty("success").GetBoolean());
        Assert.Equal(0, report.GetProperty("processed").GetInt32());
        var status = await client.GetJsonAsync("/export/status");
        Assert.Equal(1, status.GetProperty("queue").GetProperty("failed").GetInt32());
        Assert.Single(central.Received);
        Assert.Equal(JsonValueKindObject, status.GetProperty("last_run").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindObject = System.Text.Json.JsonValueKind.Object;

    public void Dispose() => _root.Dispose();
}
