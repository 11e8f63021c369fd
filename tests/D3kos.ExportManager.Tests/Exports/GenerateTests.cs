using System.Text.Json;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

public sealed class GenerateTests : IDisposable
{
    private readonly TempRoot _root = new();

    public GenerateTests()
    {
        _root.WithLicense(tier: 1);
        _root.WithBoatlog([
            (1L, "2026-02-20T12:00:00", "position", "Left Port Credit", 43.5503, -79.5214),
            ("7d0c7c3e-2f4b-4bb6-9a43-6e0f1f1d6b5a", "2026-02-20T13:00:00", "note", "Anchored", 43.6, -79.4),
        ]);
        _root.Write("/opt/d3kos/data/maintenance-log.json", """[{"timestamp":"2026-02-01T10:00:00","type":"oil","content":"Changed oil","source":"owner"}]""");
        _root.Write("/opt/d3kos/config/user-preferences.json", """{"units":"metric","cloud_api_token":"do-not-export"}""");
        _root.Write("/opt/d3kos/config/api-keys.json", """{"openai":"sk-never-exported"}""");
    }

    [Fact]
    public async Task Generate_writes_full_export_and_queues_it()
    {
        await using var app = new ExportManagerApp(_root, new Dictionary<string, string?> { ["Export:ProcessInterval"] = "01:00:00" });
        var client = app.CreateClient();

        var answer = await client.PostJsonAsync("/export/generate");

        Assert.Equal(6, answer.GetProperty("category_count").GetInt32());
        var queueId = answer.GetProperty("queue_id").GetString()!;
        var file = _root.At("/opt/d3kos/data/exports/exports/" + answer.GetProperty("export_file").GetString());
        using var export = JsonDocument.Parse(GzipFile.ReadAllBytes(file));
        var top = export.RootElement;
        Assert.Equal("0123456789abcdef", top.GetProperty("installation_id").GetString());
        Assert.Equal("1.0", top.GetProperty("format_version").GetString());
        Assert.EndsWith("Z", top.GetProperty("export_timestamp").GetString(), StringComparison.Ordinal);
        var data = top.GetProperty("data");

        var boatlog = data.GetProperty("boatlog");
        Assert.Equal(2, boatlog.GetProperty("entry_count").GetInt32());
        var entries = boatlog.GetProperty("entries");
        Assert.Equal(JsonValueKind.Number, entries[0].GetProperty("entry_id").ValueKind);
        Assert.Equal(JsonValueKind.String, entries[1].GetProperty("entry_id").ValueKind);
        Assert.Equal(-79.5214, entries[0].GetProperty("longitude").GetDouble());

        Assert.Equal(1, data.GetProperty("maintenance_log").GetProperty("entry_count").GetInt32());
        Assert.Equal(0, data.GetProperty("marine_vision_captures").GetProperty("entry_count").GetInt32());
        Assert.Contains("not found", data.GetProperty("marine_vision_captures").GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.True(data.GetProperty("onboarding").TryGetProperty("note", out _));
        Assert.True(data.GetProperty("telemetry").GetProperty("disk").GetProperty("data_folder_bytes").GetInt64() > 0);

        var settings = data.GetProperty("settings");
        Assert.Equal(1, settings.GetProperty("license").GetProperty("tier").GetInt32());
        Assert.Equal("metric", settings.GetProperty("user_preferences").GetProperty("units").GetString());
        var text = GzipFile.ReadAllText(file);
        Assert.DoesNotContain("SECRET-LICENSE-KEY", text, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-export", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-never-exported", text, StringComparison.Ordinal);

        var queue = await client.GetJsonAsync("/export/queue");
        var history = await client.GetJsonAsync("/export/history");
        var known = queue.GetProperty("entries").EnumerateArray().Concat(history.GetProperty("entries").EnumerateArray())
            .First(e => e.GetProperty("id").GetString() == queueId); // the worker may move it between the two reads
        Assert.Equal("full_export", known.GetProperty("type").GetString());
        Assert.Equal(new FileInfo(file).Length, known.GetProperty("data").GetProperty("size_bytes").GetInt64());
        Assert.Equal(64, known.GetProperty("data").GetProperty("sha256").GetString()!.Length);
    }

    [Fact]
    public async Task Generate_with_broken_captures_database_reports_error_on_that_category_only()
    {
        _root.Write("/opt/d3kos/data/marine-vision/captures.db", "this is not a database, it is a text file of some length..........");
        await using var app = new ExportManagerApp(_root);

        var answer = await app.CreateClient().PostJsonAsync("/export/generate");

        var file = _root.At("/opt/d3kos/data/exports/exports/" + answer.GetProperty("export_file").GetString());
        using var export = JsonDocument.Parse(GzipFile.ReadAllBytes(file));
        var data = export.RootElement.GetProperty("data");
        Assert.Contains("could not be read", data.GetProperty("marine_vision_captures").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, data.GetProperty("boatlog").GetProperty("entry_count").GetInt32());
        // The answer says so too: a category missing from a "successful" export is never silent.
        var warning = Assert.Single(answer.GetProperty("warnings").EnumerateArray());
        Assert.StartsWith("marine_vision_captures could not be read", warning.GetString(), StringComparison.Ordinal);
        var status = await app.CreateClient().GetJsonAsync("/export/status");
        Assert.Equal(warning.GetString(), Assert.Single(status.GetProperty("last_export_warnings").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Boatlog_snapshot_queues_entry_with_count()
    {
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();

        var answer = await client.PostJsonAsync("/export/boatlog");

        Assert.Equal(2, answer.GetProperty("entry_count").GetInt32());
        var queueId = answer.GetProperty("queue_id").GetString();
        var queue = await client.GetJsonAsync("/export/queue");
        var history = await client.GetJsonAsync("/export/history");
        var entry = queue.GetProperty("entries").EnumerateArray().Concat(history.GetProperty("entries").EnumerateArray())
            .First(e => e.GetProperty("id").GetString() == queueId); // the worker may move it between the two reads
        Assert.Equal("boatlog", entry.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Export_queue_and_history_files_are_not_readable_by_other_users_whatever_the_umask()
    {
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();

        var answer = await client.PostJsonAsync("/export/boatlog");
        await client.PostAsync("/export/queue/process", null, TestContext.Current.CancellationToken);

        const UnixFileMode OwnerReadWriteGroupRead = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        Assert.Equal(OwnerReadWriteGroupRead, File.GetUnixFileMode(_root.At("/opt/d3kos/data/exports/exports/" + answer.GetProperty("export_file").GetString())));
        Assert.Equal(OwnerReadWriteGroupRead, File.GetUnixFileMode(_root.At("/opt/d3kos/data/exports/export_queue.json")));
        var outbox = Directory.GetFiles(_root.At("/opt/d3kos/data/exports/outbox"));
        Assert.All(outbox, f => Assert.Equal(OwnerReadWriteGroupRead, File.GetUnixFileMode(f)));
    }

    [Fact]
    public async Task Boatlog_snapshot_of_a_corrupt_log_fails_with_the_reason_and_queues_nothing()
    {
        _root.Write("/opt/d3kos/data/boatlog/boatlog.db", new string('x', 4096));
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();

        using var response = await client.PostAsync("/export/boatlog", null, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 422, "boatlog could not be read");
        Assert.Equal(0, (await client.GetJsonAsync("/export/queue")).GetProperty("stats").GetProperty("total").GetInt32());
        var exports = _root.At("/opt/d3kos/data/exports/exports");
        Assert.True(!Directory.Exists(exports) || Directory.GetFiles(exports).Length == 0);
    }

    [Fact]
    public async Task Secrets_are_redacted_at_every_depth_in_every_configuration_file()
    {
        _root.Write("/opt/d3kos/config/user-preferences.json", """
            {"units":"metric","cloud":{"provider":"s3","secret_access_key":"LEAK-1"},
             "integrations":[{"name":"weather","token":"LEAK-2"},{"name":"ais","Bearer":"LEAK-3"}]}
            """);
        _root.Write("/opt/d3kos/config/license.json", """{"installation_id":"0123456789abcdef","tier":1,"activation":{"Token":"LEAK-4","PrivateKey":"LEAK-5"}}""");
        _root.Write("/opt/d3kos/config/onboarding.json", """{"boat_name":"Wanderer","wifi":{"ssid":"Helm","password":"LEAK-6","passwd":"LEAK-7"},"signalk_token":"LEAK-8","auth_header":"LEAK-9","wifi_psk":"LEAK-10","nas":"smb://boat:LEAK-11@nas.local/share","ap_passphrase":"LEAK-12"}""");
        await using var app = new ExportManagerApp(_root, new Dictionary<string, string?> { ["Export:ProcessInterval"] = "01:00:00" });

        var answer = await app.CreateClient().PostJsonAsync("/export/generate");

        var text = GzipFile.ReadAllText(_root.At("/opt/d3kos/data/exports/exports/" + answer.GetProperty("export_file").GetString()));
        for (var leak = 1; leak <= 12; leak++)
        {
            Assert.DoesNotContain($"LEAK-{leak}", text, StringComparison.Ordinal);
        }
        using var export = JsonDocument.Parse(text);
        var data = export.RootElement.GetProperty("data");
        // What is not secret is still there, and a redacted member says so.
        Assert.Equal("Wanderer", data.GetProperty("onboarding").GetProperty("data").GetProperty("boat_name").GetString());
        Assert.Equal("Helm", data.GetProperty("onboarding").GetProperty("data").GetProperty("wifi").GetProperty("ssid").GetString());
        Assert.Equal("[redacted]", data.GetProperty("settings").GetProperty("user_preferences").GetProperty("integrations")[0].GetProperty("token").GetString());
        Assert.Equal("weather", data.GetProperty("settings").GetProperty("user_preferences").GetProperty("integrations")[0].GetProperty("name").GetString());
        Assert.Equal("smb://[redacted]@nas.local/share", data.GetProperty("onboarding").GetProperty("data").GetProperty("nas").GetString());
    }

    [Fact]
    public async Task Many_exports_in_one_second_get_unique_ids()
    {
        await using var app = new ExportManagerApp(_root);
        var client = app.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.PostJsonAsync("/export/boatlog")));

        Assert.Equal(20, answers.Select(a => a.GetProperty("queue_id").GetString()).Distinct().Count());
        Assert.Equal(20, answers.Select(a => a.GetProperty("export_id").GetString()).Distinct().Count());
    }

    public void Dispose() => _root.Dispose();
}
