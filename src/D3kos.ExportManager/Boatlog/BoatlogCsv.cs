using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.Data.Sqlite;

namespace D3kos.ExportManager.Boatlog;

/// <summary>
/// Streams the boat log as RFC 4180 CSV. Rows go out in chunks as they are read, so memory stays
/// flat whatever the size of the log.
/// </summary>
public sealed class BoatlogCsv : IResult, IDisposable
{
    public const string Header = "Timestamp,Type,Content,Latitude,Longitude";
    private const int ChunkChars = 32 * 1024;

    private readonly SqliteConnection? _connection;
    private readonly SqliteCommand? _command;
    private readonly SqliteDataReader? _reader;

    private BoatlogCsv(SqliteConnection? connection, SqliteCommand? command, SqliteDataReader? reader)
    {
        _connection = connection;
        _command = command;
        _reader = reader;
    }

    /// <summary>
    /// Runs the query before any byte is sent, so a busy or broken database still gets a proper
    /// error answer. A missing database or table gives the header row only, and nothing is created.
    /// </summary>
    public static BoatlogCsv Open(string databasePath, BoatlogFilter filter)
    {
        if (!File.Exists(databasePath))
        {
            return new BoatlogCsv(null, null, null);
        }
        var connection = Exports.SqliteJson.OpenReadOnly(databasePath);
        try
        {
            if (!Exports.SqliteJson.TableExists(connection, "boatlog_entries"))
            {
                connection.Dispose();
                return new BoatlogCsv(null, null, null);
            }
            var command = connection.CreateCommand();
            command.CommandText = BuildQuery(filter, command);
            return new BoatlogCsv(connection, command, command.ExecuteReader());
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

        var buffer = new StringBuilder(ChunkChars * 2);
        await using var text = new StringWriter(buffer, CultureInfo.InvariantCulture);
        await using var csv = new CsvWriter(text, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            NewLine = "\r\n",
            // Formula cells are neutralised below, text only: the library would also touch negative numbers.
            InjectionOptions = InjectionOptions.None,
            // The library only looks for its own NewLine ("\r\n"): a bare "\n" inside a note must be quoted too.
            ShouldQuote = args => NeedsQuotes(args.Field),
        });
        foreach (var name in Header.Split(','))
        {
            csv.WriteField(name);
        }
        csv.NextRecord();

        var cancel = httpContext.RequestAborted;
        while (_reader is not null && _reader.Read())
        {
            csv.WriteField(TextCell(_reader.GetValue(0)));
            csv.WriteField(TextCell(_reader.GetValue(1)));
            csv.WriteField(TextCell(_reader.GetValue(2)));
            csv.WriteField(NumberCell(_reader.GetValue(3)));
            csv.WriteField(NumberCell(_reader.GetValue(4)));
            csv.NextRecord();
            if (buffer.Length >= ChunkChars)
            {
                await SendAsync(csv, buffer, response, cancel);
            }
        }
        await SendAsync(csv, buffer, response, cancel);
    }

    /// <summary>OWASP CSV injection: a text cell a spreadsheet would run as a formula gets a leading quote.</summary>
    public static string TextCell(object value) => value switch
    {
        DBNull => "",
        long or double => NumberCell(value),
        _ => Neutralise(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    /// <summary>Numbers as stored, shortest round-trip form in invariant culture (-79.5214 stays -79.5214).</summary>
    public static string NumberCell(object value) => value switch
    {
        DBNull => "",
        double real => real.ToString("R", CultureInfo.InvariantCulture),
        long integer => integer.ToString(CultureInfo.InvariantCulture),
        _ => TextCell(value),
    };

    private static bool NeedsQuotes(string? field) =>
        !string.IsNullOrEmpty(field)
        && (field.AsSpan().IndexOfAny("\",\r\n") >= 0 || field[0] == ' ' || field[^1] == ' ');

    private static string Neutralise(string text) =>
        text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;

    private static async Task SendAsync(CsvWriter csv, StringBuilder buffer, HttpResponse response, CancellationToken cancel)
    {
        await csv.FlushAsync();
        var body = response.BodyWriter;
        foreach (var chunk in buffer.GetChunks())
        {
            var span = body.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
            body.Advance(Encoding.UTF8.GetBytes(chunk.Span, span));
        }
        buffer.Clear();
        await body.FlushAsync(cancel);
    }

    private static string BuildQuery(BoatlogFilter filter, SqliteCommand command)
    {
        var conditions = new List<string>();
        if (filter.From is not null)
        {
            conditions.Add("timestamp >= $from");
            command.Parameters.AddWithValue("$from", filter.From);
        }
        if (filter.ToExclusive is not null)
        {
            conditions.Add("timestamp < $to");
            command.Parameters.AddWithValue("$to", filter.ToExclusive);
        }
        if (filter.Type is not null)
        {
            conditions.Add("entry_type = $type");
            command.Parameters.AddWithValue("$type", filter.Type);
        }
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        return $"SELECT timestamp, entry_type, content, latitude, longitude FROM boatlog_entries{where} ORDER BY timestamp";
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _command?.Dispose();
        _connection?.Dispose();
    }
}
