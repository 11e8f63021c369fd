using System.Globalization;
using Microsoft.Data.Sqlite;

namespace D3kos.Testing;

/// <summary>A fresh D3KOS_FS_ROOT for one test, laid out like a Pi, removed afterwards.</summary>
public sealed class TempRoot : IDisposable
{
    public TempRoot()
    {
        Path = Directory.CreateTempSubdirectory("d3kos-test-").FullName;
    }

    public string Path { get; }

    /// <summary>The real location of a path as the Pi names it.</summary>
    public string At(string piPath) => System.IO.Path.Join(Path, piPath.TrimStart('/'));

    public string Write(string piPath, string content)
    {
        var path = At(piPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public TempRoot WithLicense(int tier, string installationId = "0123456789abcdef")
    {
        Write("/opt/d3kos/config/license.json",
            $$"""{"installation_id":"{{installationId}}","tier":{{tier.ToString(CultureInfo.InvariantCulture)}},"license_key":"SECRET-LICENSE-KEY"}""");
        return this;
    }

    /// <summary>Creates the boat log with the given rows (entry_id may be a long or a string).</summary>
    public string WithBoatlog(IEnumerable<(object Id, string Timestamp, string Type, string Content, double? Lat, double? Lon)> rows)
    {
        var path = At("/opt/d3kos/data/boatlog/boatlog.db");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = """
                CREATE TABLE IF NOT EXISTS boatlog_entries(
                    entry_id, timestamp TEXT, entry_type TEXT, content TEXT,
                    latitude REAL, longitude REAL, weather_conditions TEXT)
                """;
            create.ExecuteNonQuery();
        }
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO boatlog_entries VALUES ($id, $ts, $type, $content, $lat, $lon, 'calm')";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var ts = insert.Parameters.Add("$ts", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var content = insert.Parameters.Add("$content", SqliteType.Text);
        var lat = insert.Parameters.Add("$lat", SqliteType.Real);
        var lon = insert.Parameters.Add("$lon", SqliteType.Real);
        foreach (var row in rows)
        {
            id.SqliteType = row.Id is long ? SqliteType.Integer : SqliteType.Text;
            id.Value = row.Id;
            ts.Value = row.Timestamp;
            type.Value = row.Type;
            content.Value = row.Content;
            lat.Value = (object?)row.Lat ?? DBNull.Value;
            lon.Value = (object?)row.Lon ?? DBNull.Value;
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
        return path;
    }

    /// <summary>
    /// Makes every folder from <paramref name="realPath"/>'s parent up to the root 0755, so a test can run a
    /// program as another user (a temp folder is 0700): the tests that play a local user or an
    /// unprivileged service need to reach the boat's folders as they would on a Pi.
    /// </summary>
    public void OpenFoldersAbove(string realPath)
    {
        for (var folder = System.IO.Path.GetDirectoryName(realPath)!; folder.StartsWith(Path, StringComparison.Ordinal); folder = System.IO.Path.GetDirectoryName(folder)!)
        {
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
