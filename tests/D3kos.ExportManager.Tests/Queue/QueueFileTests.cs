using D3kos.ExportManager.Queue;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

public sealed class QueueFileTests : IDisposable
{
    private readonly TempRoot _root = new();
    private readonly DateTimeOffset _now = new(2026, 2, 20, 12, 0, 0, TimeSpan.Zero);

    private string QueuePath => _root.At("/opt/d3kos/data/exports/export_queue.json");

    [Fact]
    public void Load_bare_empty_array_is_the_predecessors_empty_queue_upgraded_not_moved_aside()
    {
        // d3kOS v0.9.1.2 wrote "[]" for an empty queue: that is its format, not a broken file.
        _root.Write("/opt/d3kos/data/exports/export_queue.json", "[]");

        var load = QueueFile.Load(QueuePath, _now, new LegacyUpgrade(new ExportPaths(new Common.Files.D3kosRoot(_root.Path)), TimeZoneInfo.Utc));

        Assert.Empty(load.Entries);
        Assert.Null(load.MovedAsideTo);
        Assert.Equal("[]", File.ReadAllText(QueuePath + ".v1"));
        Assert.StartsWith("{", File.ReadAllText(QueuePath), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_predecessors_file_with_a_byte_order_mark_is_read_whole()
    {
        var path = _root.At("/opt/d3kos/data/exports/export_queue.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("""[{"id":"full_export_1","type":"full_export","data":{},"timestamp":"2026-02-20T12:00:00","attempts":0,"status":"pending"}]""")]);

        var load = QueueFile.Load(QueuePath, _now, new LegacyUpgrade(new ExportPaths(new Common.Files.D3kosRoot(_root.Path)), TimeZoneInfo.Utc));

        Assert.Equal("full_export_1", Assert.Single(load.Entries).Id);
        Assert.Null(load.Problem);
    }

    [Fact]
    public void Load_predecessors_file_cut_short_keeps_every_entry_before_the_cut_and_the_original()
    {
        // The Python service did not write atomically: a power cut could leave half a file.
        const string Cut = """[{"id":"full_export_1","type":"full_export","data":{},"timestamp":"2026-02-20T12:00:00","attempts":1,"status":"retry"},{"id":"full_ex""";
        _root.Write("/opt/d3kos/data/exports/export_queue.json", Cut);

        var load = QueueFile.Load(QueuePath, _now, new LegacyUpgrade(new ExportPaths(new Common.Files.D3kosRoot(_root.Path)), TimeZoneInfo.Utc));

        Assert.Equal("full_export_1", Assert.Single(load.Entries).Id);
        Assert.Null(load.MovedAsideTo);
        Assert.Contains("cut short", load.Problem, StringComparison.Ordinal);
        Assert.Equal(Cut, File.ReadAllText(QueuePath + ".v1"));
    }

    [Fact]
    public void Load_states_are_written_as_names_and_a_number_is_damage_not_a_state()
    {
        QueueFile.Save(QueuePath, [Entry(0)]);
        Assert.Contains("\"status\":\"pending\"", File.ReadAllText(QueuePath).Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        File.WriteAllText(QueuePath, File.ReadAllText(QueuePath).Replace("\"pending\"", "7", StringComparison.Ordinal));

        var load = QueueFile.Load(QueuePath, _now, new LegacyUpgrade(new ExportPaths(new Common.Files.D3kosRoot(_root.Path)), TimeZoneInfo.Utc));

        Assert.DoesNotContain(load.Entries, e => !Enum.IsDefined(e.Status));
        Assert.NotNull(load.Problem);
    }

    [Fact]
    public void Load_truncated_file_recovers_every_complete_entry_before_the_cut()
    {
        var entries = Enumerable.Range(0, 3).Select(Entry).ToList();
        QueueFile.Save(QueuePath, entries);
        var text = File.ReadAllText(QueuePath);
        File.WriteAllText(QueuePath, text[..(text.IndexOf("entry-2", StringComparison.Ordinal) + 3)]);

        var load = QueueFile.Load(QueuePath, _now);

        Assert.Equal(["entry-0", "entry-1"], load.Entries.Select(e => e.Id));
        Assert.NotNull(load.MovedAsideTo);
        Assert.NotNull(load.Problem);
    }

    [Fact]
    public void Save_then_load_round_trips_every_field()
    {
        var entry = Entry(7) with { Attempts = 2, Status = QueueStatus.Retry, NextRetry = _now.AddMinutes(5), LastError = "HTTP 503" };
        QueueFile.Save(QueuePath, [entry]);

        var load = QueueFile.Load(QueuePath, _now);

        Assert.Null(load.MovedAsideTo);
        Assert.Equal(entry, Assert.Single(load.Entries));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(QueuePath)!, "*.tmp"));
    }

    [Fact]
    public async Task Service_with_corrupt_queue_file_starts_and_keeps_recovered_entries()
    {
        _root.WithLicense(tier: 1);
        QueueFile.Save(QueuePath, [Entry(0), Entry(1)]);
        var text = File.ReadAllText(QueuePath);
        File.WriteAllText(QueuePath, text[..(text.Length - 20)]);
        await using var app = new ExportManagerApp(_root, new Dictionary<string, string?> { ["Central:Url"] = "http://127.0.0.1:9/unreachable" });

        var queue = await app.CreateClient().GetJsonAsync("/export/queue");

        Assert.Equal(1, queue.GetProperty("stats").GetProperty("total").GetInt32());
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(QueuePath)!, "export_queue.json.corrupt-*"));
        Assert.True(File.Exists(QueuePath));
    }

    [Fact]
    public void Queue_entry_in_both_files_after_crash_between_writes_is_loaded_once_as_finished()
    {
        var finished = Entry(0) with { Status = QueueStatus.Completed, Attempts = 1, FinishedAt = _now };
        QueueFile.Save(QueuePath, [Entry(0), Entry(1)]);
        QueueFile.Save(_root.At("/opt/d3kos/data/exports/export_history.json"), [finished]);
        using var harness = new QueueHarness(_root, new Uri("http://127.0.0.1:9/"));

        Assert.Equal(["entry-1"], harness.Store.ActiveEntries().Select(e => e.Id));
        Assert.Equal(finished, Assert.Single(harness.Store.HistoryEntries()));
    }

    private QueueEntry Entry(int n) => new()
    {
        Id = $"entry-{n}",
        Type = ExportType.Boatlog,
        Timestamp = _now,
        Status = QueueStatus.Pending,
        Data = new ExportData { ExportId = $"export-{n}", ExportFile = $"export-{n}.json", SizeBytes = 10, Sha256 = new string('a', 64), EntryCount = n },
    };

    public void Dispose() => _root.Dispose();
}
