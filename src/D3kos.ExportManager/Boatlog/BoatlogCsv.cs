using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace D3kos.ExportManager.Boatlog;

/// <summary>
/// Streams the boat log as RFC 4180 CSV. Rows are read through SQLite's own API and written as bytes
/// into the response pipe, flushed in 128 KiB pieces: memory stays flat whatever the size of the log.
/// </summary>
public sealed class BoatlogCsv : IResult, IDisposable
{
    public static ReadOnlySpan<byte> Header => "Timestamp,Type,Content,Latitude,Longitude\r\n"u8;
    private const int FlushBytes = 128 * 1024;
    private const int Columns = 5;

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
            // A download walks the log once: a small page cache per connection keeps fifty parallel
            // downloads from holding fifty default-sized (2 MB) caches.
            Check(db, raw.sqlite3_exec(db, "PRAGMA cache_size = -256"));
            Check(db, raw.sqlite3_prepare_v2(db, Query(filter), out var statement));
            var bound = 1;
            foreach (var value in new[] { filter.From, filter.ToExclusive, filter.Type }.Where(v => v is not null))
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
        var pipe = response.BodyWriter;
        pipe.Write(Header);
        var pending = Header.Length;
        var step = _firstStep;
        var statement = _statement?.DangerousGetHandle() ?? 0;
        while (step == raw.SQLITE_ROW)
        {
            pending += WriteRow(pipe, statement);
            if (pending >= FlushBytes)
            {
                var flushed = await pipe.FlushAsync(httpContext.RequestAborted);
                if (flushed.IsCanceled || flushed.IsCompleted)
                {
                    return;
                }
                pending = 0;
            }
            step = SqliteRowNative.Step(statement);
        }
        if (step != raw.SQLITE_DONE)
        {
            // The headers are gone: all that is left is to cut the response so the client sees an error.
            httpContext.Abort();
            return;
        }
        await pipe.FlushAsync(httpContext.RequestAborted);
    }

    private static int WriteRow(PipeWriter pipe, nint statement)
    {
        var total = 0;
        for (var column = 0; column < Columns; column++)
        {
            var type = SqliteRowNative.ColumnType(statement, column);
            var text = type is raw.SQLITE_TEXT or raw.SQLITE_BLOB ? SqliteRowNative.ColumnSpan(statement, column) : default;
            var span = pipe.GetSpan(Utf8CsvRow.MaxTextLength(text.Length) + Utf8CsvRow.MaxNumberLength + 2);
            var written = 0;
            if (column > 0)
            {
                span[written++] = (byte)',';
            }
            written += type switch
            {
                raw.SQLITE_NULL => 0,
                raw.SQLITE_INTEGER => Utf8CsvRow.WriteInteger(SqliteRowNative.ColumnInt64(statement, column), span[written..]),
                raw.SQLITE_FLOAT => Utf8CsvRow.WriteReal(SqliteRowNative.ColumnDouble(statement, column), span[written..]),
                _ => Utf8CsvRow.WriteText(text, span[written..]),
            };
            if (column == Columns - 1)
            {
                span[written++] = (byte)'\r';
                span[written++] = (byte)'\n';
            }
            pipe.Advance(written);
            total += written;
        }
        return total;
    }

    private static string Query(BoatlogFilter filter)
    {
        var conditions = new List<string>();
        if (filter.From is not null)
        {
            conditions.Add("timestamp >= ?");
        }
        if (filter.ToExclusive is not null)
        {
            conditions.Add("timestamp < ?");
        }
        if (filter.Type is not null)
        {
            conditions.Add("entry_type = ?");
        }
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        return $"SELECT timestamp, entry_type, content, latitude, longitude FROM boatlog_entries{where} ORDER BY timestamp";
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
