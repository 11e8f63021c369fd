using CsvHelper;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace D3kos.ExportManager.Boatlog;

/// <summary>
/// Streams the boat log as RFC 4180 CSV (CsvHelper): rows are read through SQLite's own API and their
/// cells handed over as UTF-8 bytes, written to the response a buffer at a time, so memory stays flat
/// whatever the size of the log.
/// </summary>
public sealed class BoatlogCsv : IResult, IDisposable
{
    private static readonly string[] HeaderNames = ["Timestamp", "Type", "Content", "Latitude", "Longitude"];

    /// <summary>
    /// RFC 4180 with CRLF. Text with a leading or trailing space is quoted too, so a spreadsheet that
    /// trims unquoted cells keeps it. Text a spreadsheet would run as a formula (= + - @ tab CR at its
    /// start) gets a leading apostrophe, as OWASP advises; numbers are left alone, so a negative
    /// longitude stays a number.
    /// </summary>
    private static readonly CsvWriterOptions Format = CsvWriterOptions.Default with
    {
        NewLine = "\r\n",
        Quoting = CsvQuoting.WhenNeededOrWhitespace,
        Injection = CsvInjection.Escape,
    };

    private readonly SqliteConnection? _connection;
    private readonly sqlite3_stmt? _statement;
    private int _firstStep;
    private IDisposable? _slot;

    private BoatlogCsv(SqliteConnection? connection, sqlite3_stmt? statement, int firstStep)
    {
        _connection = connection;
        _statement = statement;
        _firstStep = firstStep;
    }

    /// <summary>The download slot this result holds until it has been sent (see <see cref="CsvDownloadGate"/>).</summary>
    public BoatlogCsv Holding(IDisposable slot)
    {
        _slot = slot;
        return this;
    }

    /// <summary>
    /// Runs the query up to its first row before any byte is sent, so a busy or broken database still
    /// gets a proper error answer. A missing database or table gives the header only; nothing is created.
    /// </summary>
    public static BoatlogCsv Open(string databasePath, BoatlogFilter filter)
    {
        if (!File.Exists(databasePath))
        {
            return new BoatlogCsv(null, null, raw.SQLITE_DONE);
        }
        var connection = Exports.SqliteJson.OpenReadOnly(databasePath);
        try
        {
            if (!Exports.SqliteJson.TableExists(connection, "boatlog_entries"))
            {
                connection.Dispose();
                return new BoatlogCsv(null, null, raw.SQLITE_DONE);
            }
            var db = connection.Handle!;
            raw.sqlite3_busy_timeout(db, 5000);
            var query = Query(filter);
            // The page cache matters when the rows come through the timestamp index: a log whose rows were
            // not written in time order then visits the table's pages at random, and their upper levels must
            // stay cached (256 KiB took 1.13x the sqlite3 shell's time on such a log; the shell's default
            // 2 MB, 0.97x). Without that index SQLite sorts instead, reading the table in order, and its
            // sorter takes memory in proportion to the cache: there a small one keeps fifty waiting
            // downloads at 43-47 MB peak RSS (2 MB: 52-64). CsvDownloadGate bounds how many run at once.
            Check(db, raw.sqlite3_exec(db, Sorts(db, query) ? "PRAGMA cache_size = -256" : "PRAGMA cache_size = -2000"));
            Check(db, raw.sqlite3_prepare_v2(db, query, out var statement));
            var bound = 1;
            foreach (var value in filter.Sql().Values)
            {
                Check(db, raw.sqlite3_bind_text(statement, bound++, value));
            }
            var first = raw.sqlite3_step(statement);
            if (first is not (raw.SQLITE_ROW or raw.SQLITE_DONE))
            {
                statement.Dispose();
                Check(db, first);
            }
            return new BoatlogCsv(connection, statement, first);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using var _ = this;
        var response = httpContext.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = "attachment; filename=boatlog.csv";
        var aborted = httpContext.RequestAborted;
        await using var csv = CsvWriter.Create(response.Body, Format, leaveOpen: true);
        foreach (var name in HeaderNames)
        {
            csv.WriteField(name);
        }
        await csv.EndRecordAsync(aborted);
        var step = _firstStep;
        while (step == raw.SQLITE_ROW)
        {
            WriteRow(csv, _statement!);
            // Writes to the response only when CsvHelper's buffer is mostly full.
            await csv.EndRecordAsync(aborted);
            step = raw.sqlite3_step(_statement);
        }
        if (step != raw.SQLITE_DONE)
        {
            // The headers are gone: all that is left is to cut the response so the client sees an error.
            httpContext.Abort();
            return;
        }
        await csv.FlushAsync(aborted);
    }

    /// <summary>
    /// One row, each cell as SQLite stored it: text as its UTF-8 bytes (never a .NET string), numbers in
    /// their shortest round-trip form, NULL as an empty cell.
    /// </summary>
    private static void WriteRow(CsvWriter csv, sqlite3_stmt statement)
    {
        for (var column = 0; column < HeaderNames.Length; column++)
        {
            switch (raw.sqlite3_column_type(statement, column))
            {
                case raw.SQLITE_NULL:
                    csv.WriteField(ReadOnlySpan<byte>.Empty);
                    break;
                case raw.SQLITE_INTEGER:
                    csv.WriteField(raw.sqlite3_column_int64(statement, column), default);
                    break;
                case raw.SQLITE_FLOAT:
                    csv.WriteField(raw.sqlite3_column_double(statement, column), default);
                    break;
                default:
                    csv.WriteField(raw.sqlite3_column_blob(statement, column));
                    break;
            }
        }
    }

    private static string Query(BoatlogFilter filter) =>
        $"SELECT timestamp, entry_type, content, latitude, longitude FROM boatlog_entries{filter.Sql().Where} ORDER BY timestamp";

    /// <summary>Whether SQLite will sort the rows itself (no usable index on timestamp) rather than walk an index.</summary>
    private static bool Sorts(sqlite3 db, string query)
    {
        Check(db, raw.sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN " + query, out var plan));
        using (plan)
        {
            int step;
            while ((step = raw.sqlite3_step(plan)) == raw.SQLITE_ROW)
            {
                // The plan's "detail" column, e.g. "USE TEMP B-TREE FOR ORDER BY".
                if (raw.sqlite3_column_text(plan, 3).utf8_to_string().Contains("TEMP B-TREE", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            if (step != raw.SQLITE_DONE)
            {
                Check(db, step);
            }
        }
        return false;
    }

    private static void Check(sqlite3 db, int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), result);
        }
    }

    public void Dispose()
    {
        _statement?.Dispose();
        _connection?.Dispose();
        _firstStep = raw.SQLITE_DONE;
        Interlocked.Exchange(ref _slot, null)?.Dispose();
    }
}
