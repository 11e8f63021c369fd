using System.Globalization;
using Microsoft.Data.Sqlite;

namespace D3kos.Demo;

/// <param name="Unordered">Rows written out of time order (a log merged from another device), so reading it
/// in time order walks the table at random.</param>
public sealed record SeedOptions(string Root, int Entries, int ImagesMegabytes, int Seed, bool Unordered = false);

/// <summary>
/// Lays out a boat after a season on Lake Ontario: a tier-1 license, a boat log (western-hemisphere
/// longitudes, quotes, commas and multi-line notes), marine-vision captures, config files, the
/// web root, Signal K and Node-RED files. Deterministic for a given seed.
/// </summary>
public static class BoatSeeder
{
    private static readonly string[] Types = ["position", "note", "weather", "engine", "anchor", "fuel"];
    private static readonly string[] Notes =
    [
        "Left Port Credit marina",
        "Wind backing to the south-west, 15 kn",
        "Reefed main, \"just in case\"",
        "Engine hours 1,204; oil OK",
        "Anchored off Toronto Island\nHolding well in mud",
        "Saw a heron, crew asleep",
        "=Fuel: 40 L (cell starts with '=' on purpose)",
    ];
    private static readonly string[] Species = ["gull", "cormorant", "heron", "loon", "swan"];

    public static void Seed(SeedOptions options)
    {
        var random = new Random(options.Seed);
        Write(options.Root, "opt/d3kos/config/license.json", """{"installation_id":"3f9a2c7e1b4d6a80","tier":1,"issued":"2026-01-10"}""");
        Write(options.Root, "opt/d3kos/config/user-preferences.json", """{"units":"nautical","theme":"night","language":"en"}""");
        Write(options.Root, "opt/d3kos/config/onboarding.json", """{"boat_name":"Second Wind","hull":"sailboat","length_m":10.4,"home_port":"Port Credit, ON","completed":true}""");
        Write(options.Root, "opt/d3kos/config/api-keys.json", """{"weather":"demo-key-not-real"}""");
        Write(options.Root, "opt/d3kos/data/maintenance-log.json", """
            [{"timestamp":"2026-05-01T09:00:00","type":"oil","content":"Changed engine oil","source":"owner"},
             {"timestamp":"2026-06-12T17:30:00","type":"rigging","content":"Tightened backstay","source":"owner"}]
            """);
        Write(options.Root, "var/www/html/index.html", "<!doctype html><title>d3kOS</title><h1>d3kOS helm</h1>");
        Write(options.Root, "home/d3kos/.signalk/settings.json", """{"interfaces":{},"ssl":false,"port":3000}""");
        Write(options.Root, "home/d3kos/.node-red/flows.json", """[{"id":"1","type":"tab","label":"Helm"}]""");
        SeedBoatlog(Path.Combine(options.Root, "opt/d3kos/data/boatlog/boatlog.db"), options.Entries, options.Unordered, random);
        SeedCaptures(Path.Combine(options.Root, "opt/d3kos/data/marine-vision/captures.db"), random);
        SeedImages(Path.Combine(options.Root, "opt/d3kos/data/marine-vision/images"), options.ImagesMegabytes, random);
    }

    private static void SeedBoatlog(string path, int entries, bool unordered, Random random)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Execute(connection, """
            CREATE TABLE boatlog_entries(entry_id INTEGER PRIMARY KEY, timestamp TEXT, entry_type TEXT, content TEXT,
                latitude REAL, longitude REAL, weather_conditions TEXT);
            CREATE INDEX boatlog_by_time ON boatlog_entries(timestamp);
            """);
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO boatlog_entries VALUES ($id, $ts, $type, $content, $lat, $lon, $weather)";
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var ts = insert.Parameters.Add("$ts", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var content = insert.Parameters.Add("$content", SqliteType.Text);
        var lat = insert.Parameters.Add("$lat", SqliteType.Real);
        var lon = insert.Parameters.Add("$lon", SqliteType.Real);
        var weather = insert.Parameters.Add("$weather", SqliteType.Text);
        var start = new DateTime(2026, 5, 1, 8, 0, 0);
        // Out of order: each row gets a time slot drawn from a shuffled list (Fisher-Yates), so reading the
        // log in time order visits the table's pages at random.
        var slots = unordered ? Enumerable.Range(0, entries).ToArray() : null;
        if (slots is not null)
        {
            random.Shuffle(slots);
        }
        for (var i = 0; i < entries; i++)
        {
            id.Value = i + 1;
            var slot = slots is null ? i : slots[i];
            ts.Value = start.AddSeconds(slot * 37L).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
            type.Value = Types[random.Next(Types.Length)];
            content.Value = Notes[random.Next(Notes.Length)];
            // Lake Ontario, west of Greenwich: negative longitudes with full precision.
            lat.Value = Math.Round(43.2 + random.NextDouble() * 0.6, 6);
            // Every tenth longitude keeps all 17 digits, as a GPS fix converted from radians does: the
            // sqlite3 shell prints 15 and loses them; the CSV must not.
            lon.Value = random.Next(20) == 0 ? DBNull.Value
                : i % 10 == 0 ? -79.6 + random.NextDouble() * 2.0
                : Math.Round(-79.6 + random.NextDouble() * 2.0, 6);
            weather.Value = random.Next(3) == 0 ? "calm" : "SW 12 kn, 1 m swell";
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static void SeedCaptures(string path, Random random)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Execute(connection, "CREATE TABLE captures(capture_id INTEGER PRIMARY KEY, timestamp TEXT, species TEXT, confidence REAL, latitude REAL, longitude REAL, file_size INTEGER)");
        for (var i = 0; i < 25; i++)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO captures VALUES ($id, $ts, $species, $confidence, 43.6, -79.4, $size)";
            insert.Parameters.AddWithValue("$id", i + 1);
            insert.Parameters.AddWithValue("$ts", new DateTime(2026, 6, 1).AddHours(i).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
            insert.Parameters.AddWithValue("$species", Species[random.Next(Species.Length)]);
            insert.Parameters.AddWithValue("$confidence", Math.Round(random.NextDouble(), 3));
            insert.Parameters.AddWithValue("$size", random.Next(100_000, 900_000));
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Random bytes: images do not compress, and a benchmark must not pretend they do.</summary>
    private static void SeedImages(string folder, int megabytes, Random random)
    {
        Directory.CreateDirectory(folder);
        var buffer = new byte[1024 * 1024];
        for (var i = 0; i < megabytes; i++)
        {
            random.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(folder, $"capture_{i:D4}.jpg"), buffer);
        }
    }

    private static void Write(string root, string relative, string content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
