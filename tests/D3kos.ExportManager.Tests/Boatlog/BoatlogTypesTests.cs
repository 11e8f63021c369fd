using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>The log's own entry types with their counts, which the page offers and checks before a download.</summary>
public sealed class BoatlogTypesTests : IDisposable
{
    private readonly TempRoot _root = new();

    public BoatlogTypesTests() => _root.WithLicense(tier: 1);

    [Fact]
    public async Task Types_are_the_log_s_own_with_their_counts_in_the_range()
    {
        _root.WithBoatlog([
            (1L, "2026-02-19T23:59:59", "position", "before", 1.0, 1.0),
            (2L, "2026-02-20T08:00:00", "position", "in range", 2.0, 2.0),
            (3L, "2026-02-20T09:00:00", "anchor", "in range", 3.0, 3.0),
            (4L, "2026-02-20T10:00:00", "position", "in range", 3.0, 3.0),
            (5L, "2026-02-21T00:00:00", "note", "next day", 4.0, 4.0),
        ]);
        await using var app = new ExportManagerApp(_root);

        var all = await app.CreateClient().GetJsonAsync("/export/boatlog/types");
        var day = await app.CreateClient().GetJsonAsync("/export/boatlog/types?from=2026-02-20&to=2026-02-20");
        var none = await app.CreateClient().GetJsonAsync("/export/boatlog/types?from=2027-01-01");

        Assert.Equal(5, all.GetProperty("entries").GetInt64());
        Assert.Equal(["anchor", "note", "position"], all.GetProperty("types").EnumerateArray().Select(t => t.GetProperty("type").GetString()));
        Assert.Equal(3, day.GetProperty("entries").GetInt64());
        Assert.Equal([("anchor", 1L), ("position", 2L)], day.GetProperty("types").EnumerateArray().Select(t => (t.GetProperty("type").GetString(), t.GetProperty("entries").GetInt64())));
        Assert.Equal(0, none.GetProperty("entries").GetInt64());
        Assert.Empty(none.GetProperty("types").EnumerateArray());
    }

    [Fact]
    public async Task Types_without_a_log_are_none_and_nothing_is_created()
    {
        await using var app = new ExportManagerApp(_root);

        var answer = await app.CreateClient().GetJsonAsync("/export/boatlog/types");

        Assert.Equal(0, answer.GetProperty("entries").GetInt64());
        Assert.False(File.Exists(_root.At("/opt/d3kos/data/boatlog/boatlog.db")));
    }

    [Theory]
    [InlineData("/export/boatlog/types?from=2026-02-21&to=2026-02-20")]
    [InlineData("/export/boatlog/csv?from=2026-02-21&to=2026-02-20")]
    public async Task From_after_to_is_refused_with_a_sentence_not_answered_with_an_empty_file(string url)
    {
        _root.WithBoatlog([(1L, "2026-02-20T08:00:00", "position", "in range", 2.0, 2.0)]);
        await using var app = new ExportManagerApp(_root);

        using var response = await app.CreateClient().GetAsync(url, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 400, "'from' (2026-02-21) is after 'to' (2026-02-20)");
    }

    [Theory]
    [InlineData(null, "folder")]
    [InlineData("http://127.0.0.1:9/central", "http")]
    public async Task The_queue_says_whether_exports_go_to_shore_or_stay_in_a_folder_on_the_pi(string? url, string delivery)
    {
        await using var app = new ExportManagerApp(_root, url is null ? null : new Dictionary<string, string?> { ["Central:Url"] = url });

        var queue = await app.CreateClient().GetJsonAsync("/export/queue");

        Assert.Equal(delivery, queue.GetProperty("delivery").GetString());
        Assert.DoesNotContain("127.0.0.1", queue.GetRawText(), StringComparison.Ordinal); // the kind, never the address
    }

    public void Dispose() => _root.Dispose();
}
