using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace D3kos.ExportManager.Exports;

/// <summary>
/// Writes one list category ({"category","entry_count","entries"}). A missing source gives an empty
/// category with a note, a broken one an error on that category only: the export goes on.
/// </summary>
public static class CategoryWriter
{
    /// <summary>Writes entries and returns a note when the source is absent; counts what it wrote.</summary>
    public delegate string? EntriesSource(Utf8JsonWriter writer, ref int count);

    /// <summary>Writes the category; returns how many entries it wrote and the error that ended it, if any.</summary>
    public static (int Count, string? Error) WriteList(Utf8JsonWriter writer, string name, EntriesSource source)
    {
        writer.WriteStartObject(name);
        writer.WriteString("category", name);
        writer.WriteStartArray("entries");
        var count = 0;
        string? note = null, error = null;
        try
        {
            note = source(writer, ref count);
        }
        catch (Exception ex) when (IsSourceFault(ex))
        {
            error = $"{name} could not be read: {ex.Message}";
        }
        writer.WriteEndArray();
        writer.WriteNumber("entry_count", count);
        WriteNoteAndError(writer, note, error);
        writer.WriteEndObject();
        return (count, error);
    }

    public static void WriteNoteAndError(Utf8JsonWriter writer, string? note, string? error)
    {
        if (note is not null)
        {
            writer.WriteString("note", note);
        }
        if (error is not null)
        {
            writer.WriteString("error", error);
        }
    }

    public static bool IsSourceFault(Exception ex) =>
        ex is SqliteException or IOException or JsonException or UnauthorizedAccessException or InvalidCastException or FormatException;

    /// <summary>Every row of a table, in the given order; a missing file or table is a note, not an error.</summary>
    public static EntriesSource SqliteTable(string databasePath, string table, string orderBy) =>
        (Utf8JsonWriter writer, ref int count) =>
        {
            if (!File.Exists(databasePath))
            {
                return $"{Path.GetFileName(databasePath)} not found";
            }
            using var connection = SqliteJson.OpenReadOnly(databasePath);
            if (!SqliteJson.TableExists(connection, table))
            {
                return $"table {table} not found in {Path.GetFileName(databasePath)}";
            }
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY {orderBy}";
            using var reader = command.ExecuteReader();
            var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            var values = new object[reader.FieldCount];
            while (reader.Read())
            {
                reader.GetValues(values);
                SqliteJson.WriteRow(writer, names, values);
                writer.FlushWhenFull();
                count++;
            }
            return null;
        };

    /// <summary>The elements of a JSON array file, read one element at a time (the file may be large).</summary>
    public static EntriesSource JsonArrayFile(string path) =>
        (Utf8JsonWriter writer, ref int count) =>
        {
            if (!File.Exists(path))
            {
                return $"{Path.GetFileName(path)} not found";
            }
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
            if (FirstSignificantByte(file) != (byte)'[')
            {
                throw new JsonException($"{Path.GetFileName(path)} is not a JSON array");
            }
            file.Position = 0;
            // Elements are parsed before any is written, one by one: a broken element ends the
            // category with its error after the good ones, never with half an element in the file.
            foreach (var element in JsonSerializer.DeserializeAsyncEnumerable(file, ExportJsonContext.Default.JsonElement).ToBlockingEnumerable())
            {
                element.WriteTo(writer);
                writer.FlushWhenFull();
                count++;
            }
            return null;
        };

    private static int FirstSignificantByte(Stream stream)
    {
        int b;
        do
        {
            b = stream.ReadByte();
        }
        while (b is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF); // whitespace and a UTF-8 byte order mark
        return b;
    }
}
