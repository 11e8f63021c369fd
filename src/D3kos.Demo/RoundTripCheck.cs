using System.Globalization;
using CsvHelper;
using Microsoft.Data.Sqlite;

namespace D3kos.Demo;

/// <summary>
/// Counts CSV longitudes that do not read back as the exact double stored in the boat log.
/// .NET's parser is correctly rounded, unlike SQLite's own text-to-REAL conversion, so it can judge.
/// </summary>
public static class RoundTripCheck
{
    public static int CountLost(string csvPath, string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT longitude FROM boatlog_entries ORDER BY timestamp";
        using var stored = command.ExecuteReader();
        using var csv = CsvReader.Create(File.OpenRead(csvPath), CsvReaderOptions.Default with { HasHeader = true }, leaveOpen: false);
        var lost = 0;
        while (csv.Read() && stored.Read())
        {
            var cell = csv.GetString(4);
            if (stored.IsDBNull(0))
            {
                lost += cell.Length == 0 ? 0 : 1;
                continue;
            }
            var ok = double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value == stored.GetDouble(0);
            lost += ok ? 0 : 1;
        }
        return lost;
    }
}
