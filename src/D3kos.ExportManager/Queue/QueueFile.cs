using System.Globalization;
using System.Text.Json;
using D3kos.Common.Files;

namespace D3kos.ExportManager.Queue;

/// <summary>The result of loading a queue or history file.</summary>
public sealed record QueueFileLoad(List<QueueEntry> Entries, string? MovedAsideTo, string? Problem)
{
    /// <summary>Where the original of a file in the predecessor's format was kept, when it was upgraded.</summary>
    public string? UpgradedFrom { get; init; }

    /// <summary>Elements of an upgraded file that were not entries.</summary>
    public int Skipped { get; init; }
}

/// <summary>What upgrading a v0.9.1.2 file needs: where export files live, and the zone its naive times were written in.</summary>
public sealed record LegacyUpgrade(ExportPaths Paths, TimeZoneInfo LocalZone);

/// <summary>
/// Reads and writes export_queue.json and export_history.json. A broken file never stops the
/// service: it is moved aside as *.corrupt-&lt;timestamp&gt; and every entry that can still be read is kept.
/// </summary>
public static class QueueFile
{
    public static void Save(string path, IEnumerable<QueueEntry> entries) =>
        AtomicFile.WriteJson(path, new QueueDocument { Entries = [.. entries] }, ExportJsonContext.Default.QueueDocument);

    public static QueueFileLoad Load(string path, DateTimeOffset now, LegacyUpgrade? legacy = null)
    {
        if (!File.Exists(path))
        {
            return new QueueFileLoad([], null, null);
        }
        var bytes = File.ReadAllBytes(path);
        string problem;
        try
        {
            if (legacy is not null && LegacyQueueFile.IsLegacy(bytes))
            {
                return Upgrade(path, bytes, legacy);
            }
            var document = JsonSerializer.Deserialize(bytes, ExportJsonContext.Default.QueueDocument);
            if (document?.Entries is { } entries && entries.TrueForAll(e => e is not null))
            {
                return new QueueFileLoad(entries, null, null);
            }
            problem = "the file has no entries list";
        }
        catch (JsonException ex)
        {
            problem = ex.Message;
        }

        var recovered = Recover(bytes);
        var aside = $"{path}.corrupt-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        AtomicFile.MoveDurably(path, aside, overwrite: true);
        return new QueueFileLoad(recovered, aside, problem);
    }

    /// <summary>
    /// The predecessor's bare array becomes this version's document: the original is kept beside it as
    /// <c>*.v1</c> (once: a second start never overwrites it), then the new file is written atomically.
    /// </summary>
    private static QueueFileLoad Upgrade(string path, byte[] bytes, LegacyUpgrade legacy)
    {
        var entries = LegacyQueueFile.Read(bytes, legacy.Paths, legacy.LocalZone, out var skipped, out var truncated);
        var original = path + ".v1";
        if (!File.Exists(original))
        {
            AtomicFile.Copy(path, original);
        }
        Save(path, entries);
        return new QueueFileLoad(entries, null, truncated ? "the file was cut short; every entry before the cut was kept" : null)
        {
            UpgradedFrom = original,
            Skipped = skipped,
        };
    }

    /// <summary>
    /// Reads entries one by one until the first one that does not parse: a file cut short by a
    /// failing card still gives back everything before the cut. Accepts a bare array, as the
    /// Python service wrote it, or the "entries" member of an object.
    /// </summary>
    private static List<QueueEntry> Recover(byte[] bytes)
    {
        var recovered = new List<QueueEntry>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!SeekEntriesArray(ref reader))
            {
                return recovered;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                var atObject = reader;
                try
                {
                    if (JsonSerializer.Deserialize(ref reader, ExportJsonContext.Default.QueueEntry) is { } entry)
                    {
                        recovered.Add(entry);
                    }
                }
                catch (JsonException)
                {
                    // A complete object of the wrong shape is skipped; a cut one ends the loop,
                    // because Skip throws on it too.
                    reader = atObject;
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // The cut: keep what was read before it.
        }
        return recovered;
    }

    private static bool SeekEntriesArray(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            return false;
        }
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            return true;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isEntries = reader.ValueTextEquals("entries"u8);
            reader.Read();
            if (isEntries && reader.TokenType == JsonTokenType.StartArray)
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }
}
