using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace D3kos.ExportManager.Exports;

/// <summary>SQLite access shared by the exports and the CSV download.</summary>
public static class SqliteJson
{
    /// <summary>
    /// Writes one row keeping each value's stored type (an INTEGER id stays a number, a UUID a string).
    /// The values are read before anything is written, so a bad row never leaves half an object behind.
    /// </summary>
    public static void WriteRow(Utf8JsonWriter writer, string[] names, object[] values)
    {
        writer.WriteStartObject();
        for (var i = 0; i < names.Length; i++)
        {
            writer.WritePropertyName(names[i]);
            WriteValue(writer, values[i]);
        }
        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case DBNull:
                writer.WriteNullValue();
                break;
            case long integer:
                writer.WriteNumberValue(integer);
                break;
            case double real when double.IsFinite(real):
                writer.WriteNumberValue(real);
                break;
            case double:
                writer.WriteNullValue();
                break;
            case byte[] blob:
                writer.WriteBase64StringValue(blob);
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>
    /// A read-only connection that creates nothing and holds no pooled handle after disposal.
    /// A database in WAL mode that another program wrote needs its -shm file, which a reader without
    /// write access to the folder cannot create (the export manager runs as d3kos with the data folder
    /// read-only). When that is why the database cannot be read and the database is at rest (no -wal,
    /// -shm or -journal: the writer has checkpointed and closed), every row is in the database file
    /// itself, so it is opened as immutable, which needs no -shm. Otherwise the error stands: reading
    /// the file alone could miss rows or read a half-written transaction.
    /// </summary>
    public static SqliteConnection OpenReadOnly(string path)
    {
        var connection = Open(path);
        try
        {
            Touch(connection);
            return connection;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is CantOpen or ReadOnly && IsAtRest(path))
        {
            connection.Dispose();
            var immutable = Open(FileUri(path) + "?immutable=1");
            try
            {
                Touch(immutable);
                return immutable;
            }
            catch
            {
                immutable.Dispose();
                throw;
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private const int ReadOnly = 8;   // SQLITE_READONLY: "attempt to write a readonly database" (cannot make -shm)
    private const int CantOpen = 14;  // SQLITE_CANTOPEN: "unable to open database file" (no -shm, folder read-only)

    private static SqliteConnection Open(string dataSource)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = dataSource,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>SQLite opens lazily: the first read is where a WAL database without its -shm fails.</summary>
    private static void Touch(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master";
        command.ExecuteScalar();
    }

    /// <summary>
    /// No writer is at work and nothing is pending: no -wal, -shm or rollback -journal next to the file.
    /// Only then is the database file alone the whole truth (a connected writer keeps -shm; a crashed
    /// one leaves a hot journal or a log), so only then may it be read without locks as immutable.
    /// </summary>
    private static bool IsAtRest(string path) =>
        !File.Exists(path + "-wal") && !File.Exists(path + "-shm") && !File.Exists(path + "-journal");

    /// <summary>A file: URI for SQLite, every byte outside the unreserved set and '/' percent-encoded.</summary>
    private static string FileUri(string path)
    {
        var uri = new System.Text.StringBuilder("file:");
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(path))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'/' or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                uri.Append((char)b);
            }
            else
            {
                uri.Append(System.Globalization.CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }
        return uri.ToString();
    }

    public static bool TableExists(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", table);
        return command.ExecuteScalar() is not null;
    }
}
