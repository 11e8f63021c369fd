namespace D3kos.ExportManager.Boatlog;

/// <summary>One entry type of the boat log and how many entries it has in the asked range.</summary>
public sealed record BoatlogTypeCount(string Type, long Entries);

/// <summary>
/// The entry types the boat log holds, with their counts in a date range: the page offers these instead of a
/// free-text box (where "Anchor" silently matched nothing), and says "no entries" before a header-only download.
/// </summary>
public static class BoatlogTypes
{
    public static IReadOnlyList<BoatlogTypeCount> Count(string databasePath, BoatlogFilter filter)
    {
        if (!File.Exists(databasePath))
        {
            return [];
        }
        using var connection = Exports.SqliteJson.OpenReadOnly(databasePath);
        if (!Exports.SqliteJson.TableExists(connection, "boatlog_entries"))
        {
            return [];
        }
        using var command = connection.CreateCommand();
        // Every type in the range, whatever the type filter: the list must offer the others too.
        var (where, values) = filter.Sql(withType: false);
        command.CommandText = $"SELECT entry_type, count(*) FROM boatlog_entries{where} GROUP BY entry_type ORDER BY entry_type";
        command.CommandTimeout = 5;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue($"$p{i + 1}", values[i]);
        }
        var counts = new List<BoatlogTypeCount>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts.Add(new BoatlogTypeCount(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!, reader.GetInt64(1)));
        }
        return counts;
    }
}
