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

    /// <summary>A read-only connection that creates nothing and holds no pooled handle after disposal.</summary>
    public static SqliteConnection OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static bool TableExists(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", table);
        return command.ExecuteScalar() is not null;
    }
}
