using System.Globalization;
using System.Text;
using CsvHelper;
using D3kos.Testing;
using Microsoft.Data.Sqlite;

namespace D3kos.ExportManager.Tests;

public sealed class BoatlogCsvTests : IDisposable
{
    private readonly TempRoot _root = new();

    public BoatlogCsvTests() => _root.WithLicense(tier: 1);

    [Fact]
    public async Task Csv_keeps_numbers_quotes_newlines_and_neutralises_formulas()
    {
        _root.WithBoatlog([
            (3L, "2026-02-20T14:00:00", "note", "=HYPERLINK(\"http://evil\")", null, null),
            (1L, "2026-02-20T12:00:00", "position", "Left \"Port Credit\", heading west", 43.5503, -79.5214),
            ("uuid-2", "2026-02-20T13:00:00", "note", "line one\nline two", -33.8688, 151.2093),
            (4L, "2026-02-20T15:00:00", "-engine", "+1 knot, @home", 0.1 + 0.2, -0.000001),
            (5L, "2026-02-20T16:00:00", "note", " padded ", null, null),
        ]);
        await using var app = new ExportManagerApp(_root);

        using var response = await app.CreateClient().GetAsync("/export/boatlog/csv", TestContext.Current.CancellationToken);

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("boatlog.csv", response.Content.Headers.ContentDisposition?.FileName);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("Timestamp,Type,Content,Latitude,Longitude\r\n", text, StringComparison.Ordinal);
        // The bytes themselves, not only what a reader makes of them: quotes doubled, formulas neutralised
        // inside the quotes, NULL as nothing, a cell with outer spaces quoted so no spreadsheet trims it.
        Assert.Contains("\r\n2026-02-20T12:00:00,position,\"Left \"\"Port Credit\"\", heading west\",43.5503,-79.5214\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\n2026-02-20T13:00:00,note,\"line one\nline two\",-33.8688,151.2093\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\n2026-02-20T14:00:00,note,\"'=HYPERLINK(\"\"http://evil\"\")\",,\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n2026-02-20T16:00:00,note,\" padded \",,\r\n", text, StringComparison.Ordinal);

        var rows = Parse(text);
        Assert.Equal(["Timestamp", "Type", "Content", "Latitude", "Longitude"], rows[0]);
        Assert.Equal(["2026-02-20T12:00:00", "position", "Left \"Port Credit\", heading west", "43.5503", "-79.5214"], rows[1]);
        Assert.Equal(["2026-02-20T13:00:00", "note", "line one\nline two", "-33.8688", "151.2093"], rows[2]);
        Assert.Equal(["2026-02-20T14:00:00", "note", "'=HYPERLINK(\"http://evil\")", "", ""], rows[3]);
        Assert.Equal("'-engine", rows[4][1]);
        Assert.Equal("'+1 knot, @home", rows[4][2]);
        Assert.Equal(0.1 + 0.2, double.Parse(rows[4][3], CultureInfo.InvariantCulture));
        Assert.Equal(-0.000001, double.Parse(rows[4][4], CultureInfo.InvariantCulture));
        Assert.Equal(" padded ", rows[5][2]);
        Assert.Equal(6, rows.Count);
    }

    [Fact]
    public async Task Csv_without_database_returns_header_only_and_creates_nothing()
    {
        await using var app = new ExportManagerApp(_root);

        var text = await app.CreateClient().GetStringAsync("/export/boatlog/csv", TestContext.Current.CancellationToken);

        Assert.Equal("Timestamp,Type,Content,Latitude,Longitude\r\n", text);
        Assert.False(File.Exists(_root.At("/opt/d3kos/data/boatlog/boatlog.db")));
    }

    [Fact]
    public async Task Csv_without_table_returns_header_only()
    {
        var path = _root.At("/opt/d3kos/data/boatlog/boatlog.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE other(x)";
            command.ExecuteNonQuery();
        }
        await using var app = new ExportManagerApp(_root);

        var text = await app.CreateClient().GetStringAsync("/export/boatlog/csv", TestContext.Current.CancellationToken);

        Assert.Equal("Timestamp,Type,Content,Latitude,Longitude\r\n", text);
    }

    [Fact]
    public async Task Csv_filters_select_by_date_range_and_type()
    {
        _root.WithBoatlog([
            (1L, "2026-02-19T23:59:59", "position", "before", 1.0, 1.0),
            (2L, "2026-02-20T08:00:00", "position", "in range", 2.0, 2.0),
            (3L, "2026-02-20T09:00:00", "note", "wrong type", 3.0, 3.0),
            (4L, "2026-02-21T00:00:00", "position", "next day", 4.0, 4.0),
        ]);
        await using var app = new ExportManagerApp(_root);

        var text = await app.CreateClient().GetStringAsync("/export/boatlog/csv?from=2026-02-20&to=2026-02-20&type=position", TestContext.Current.CancellationToken);

        var rows = Parse(text);
        Assert.Equal(2, rows.Count);
        Assert.Equal("in range", rows[1][2]);
    }

    [Theory]
    [InlineData("to=9999-12-31")]
    [InlineData("to=9999-12-31T23:59:59")]
    [InlineData("from=0001-01-01&to=9999-12-31")]
    public async Task Csv_with_the_last_date_of_the_calendar_has_no_upper_bound(string query)
    {
        _root.WithBoatlog([(1L, "2026-02-20T08:00:00", "position", "in range", 2.0, 2.0)]);
        await using var app = new ExportManagerApp(_root);

        var text = await app.CreateClient().GetStringAsync("/export/boatlog/csv?" + query, TestContext.Current.CancellationToken);

        Assert.Equal("in range", Parse(text)[1][2]);
    }

    [Theory]
    [InlineData("from=yesterday")]
    [InlineData("to=2026-13-45")]
    [InlineData("from=2026-02-20T25:00:00")]
    public async Task Csv_with_malformed_filter_returns_400(string query)
    {
        await using var app = new ExportManagerApp(_root);

        using var response = await app.CreateClient().GetAsync("/export/boatlog/csv?" + query, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 400, "ISO 8601");
    }

    [Fact]
    public async Task Csv_when_database_is_not_sqlite_returns_500_with_reason()
    {
        _root.Write("/opt/d3kos/data/boatlog/boatlog.db", new string('x', 4096));
        await using var app = new ExportManagerApp(_root);

        using var response = await app.CreateClient().GetAsync("/export/boatlog/csv", TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 500, "cannot be read");
    }

    [Fact]
    public async Task Csv_while_another_connection_writes_still_exports()
    {
        var path = _root.WithBoatlog([(1L, "2026-02-20T12:00:00", "position", "first", 1.0, -1.0)]);
        using var writer = new SqliteConnection($"Data Source={path};Pooling=False");
        writer.Open();
        using (var wal = writer.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL";
            wal.ExecuteNonQuery();
        }
        using var transaction = writer.BeginTransaction();
        using (var insert = writer.CreateCommand())
        {
            insert.CommandText = "INSERT INTO boatlog_entries VALUES (2, '2026-02-20T13:00:00', 'position', 'uncommitted', 2, -2, NULL)";
            insert.ExecuteNonQuery();
        }
        await using var app = new ExportManagerApp(_root);

        var rows = Parse(await app.CreateClient().GetStringAsync("/export/boatlog/csv", TestContext.Current.CancellationToken));

        Assert.Equal(2, rows.Count);
        Assert.Equal("first", rows[1][2]);
    }

    private static List<string[]> Parse(string text)
    {
        using var csv = CsvReader.Create(Encoding.UTF8.GetBytes(text), CsvReaderOptions.Default with { HasHeader = false });
        var rows = new List<string[]>();
        while (csv.Read())
        {
            rows.Add([.. Enumerable.Range(0, csv.FieldCount).Select(csv.GetString)]);
        }
        return rows;
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>A boat-log database held by a writer's exclusive lock: the download waits a moment, then says so.</summary>
public sealed class LockedBoatlogTests : IDisposable
{
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    [Fact]
    public async Task Csv_while_a_writer_holds_an_exclusive_lock_returns_503_and_keeps_serving()
    {
        var path = _root.WithBoatlog([(1L, "2026-02-20T12:00:00", "position", "first", 1.0, -1.0)]);
        using (var writer = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            writer.Open();
            using var exclusive = writer.CreateCommand();
            exclusive.CommandText = "BEGIN EXCLUSIVE";
            exclusive.ExecuteNonQuery();
            await using var app = new ExportManagerApp(_root);
            var client = app.CreateClient();

            using var response = await client.GetAsync("/export/boatlog/csv", TestContext.Current.CancellationToken);

            await Json.AssertProblemAsync(response, 503, "locked");
            Assert.Equal(200, (int)(await client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
        }
    }

    public void Dispose() => _root.Dispose();
}
