using System.Globalization;
using System.Text.Json;
using D3kos.Common.Files;

namespace D3kos.ExportManager.Queue;

/// <summary>
/// Reads the queue and history that d3kOS v0.9.1.2's Python export manager left behind: a bare JSON
/// array of entries with naive local timestamps, absolute <c>export_file</c> paths and no checksums.
/// The rules, written down once (docs/install.md, "Upgrading from d3kOS v0.9.1.2"):
/// <list type="bullet">
/// <item>A timestamp without an offset is the Pi's local time (Python's <c>datetime.now()</c>), read in
/// the time zone the Pi has now; one with an offset or <c>Z</c> is taken as it is.</item>
/// <item><c>export_file</c> is a path as on the Pi, resolved under the root. A waiting entry's file is
/// moved into <c>exports/</c>, where this version keeps them, and gets its size and SHA-256.</item>
/// <item>An entry whose file is gone is kept: delivering it fails with "Export file … is missing".</item>
/// <item>An element that is not an entry (no id) is counted and skipped; the original file is kept.</item>
/// </list>
/// </summary>
internal static class LegacyQueueFile
{
    /// <summary>True when the file is the predecessor's bare array rather than this version's object.</summary>
    public static bool IsLegacy(ReadOnlySpan<byte> bytes)
    {
        var text = bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
        var start = text.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && text[start] == (byte)'[';
    }

    /// <summary>
    /// The entries of an old file, element by element: the Python service did not write atomically, so a
    /// file cut short by a power cut still gives every complete entry before the cut (<paramref name="truncated"/>).
    /// </summary>
    public static List<QueueEntry> Read(byte[] bytes, ExportPaths paths, TimeZoneInfo localZone, out int skipped, out bool truncated)
    {
        var entries = new List<QueueEntry>();
        skipped = 0;
        truncated = false;
        var text = bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes; // a UTF-8 byte order mark
        var reader = new Utf8JsonReader(text, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            // IsLegacy has seen the '[': anything that breaks from here on is a cut.
            reader.Read();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                using var element = JsonDocument.ParseValue(ref reader);
                if (element.RootElement.ValueKind == JsonValueKind.Object && Text(element.RootElement, "id") is { Length: > 0 } id)
                {
                    entries.Add(Convert(id, element.RootElement, paths, localZone));
                }
                else
                {
                    skipped++;
                }
            }
        }
        catch (JsonException)
        {
            truncated = true; // the cut: keep what was read before it
        }
        return entries;
    }

    private static QueueEntry Convert(string id, JsonElement old, ExportPaths paths, TimeZoneInfo localZone)
    {
        var status = QueueNames.Parse(Text(old, "status"), ExportJsonContext.Default.QueueStatus) ?? QueueStatus.Pending;
        var data = old.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        var oldPath = data.ValueKind == JsonValueKind.Object ? Text(data, "export_file") : null;
        var fileName = oldPath is null ? id + ".json" : Path.GetFileName(oldPath);
        var waiting = status is QueueStatus.Pending or QueueStatus.Retry;
        var (size, sha256) = waiting ? AdoptFile(oldPath, fileName, paths) : (Number(data, "size_bytes") ?? 0, Text(data, "sha256") ?? "");
        var timestamp = Time(old, "timestamp", localZone) ?? DateTimeOffset.UnixEpoch;
        return new QueueEntry
        {
            Id = id,
            Type = QueueNames.Parse(Text(old, "type"), ExportJsonContext.Default.ExportType) ?? ExportType.FullExport,
            Data = new ExportData
            {
                ExportId = (data.ValueKind == JsonValueKind.Object ? Text(data, "export_id") : null) ?? Path.GetFileNameWithoutExtension(fileName),
                ExportFile = fileName,
                SizeBytes = size,
                Sha256 = sha256,
                EntryCount = data.ValueKind == JsonValueKind.Object && Number(data, "entry_count") is { } count ? (int)count : null,
                CategoryCount = data.ValueKind == JsonValueKind.Object && Number(data, "category_count") is { } categories ? (int)categories : null,
            },
            Timestamp = timestamp,
            Attempts = (int)(Number(old, "attempts") ?? 0),
            Status = status,
            NextRetry = waiting ? Time(old, "next_retry", localZone) : null,
            LastError = Text(old, "last_error"),
            FinishedAt = waiting ? null : Time(old, "finished_at", localZone) ?? Time(old, "completed_at", localZone) ?? timestamp,
        };
    }

    /// <summary>
    /// Moves a waiting entry's file into exports/ (a rename on the same card) and hashes it; (0, "") when
    /// it is gone or cannot be moved or read, so the entry stays and its delivery names the problem.
    /// </summary>
    private static (long Size, string Sha256) AdoptFile(string? oldPath, string fileName, ExportPaths paths)
    {
        try
        {
            return Adopt(oldPath, fileName, paths);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (0, "");
        }
    }

    private static (long Size, string Sha256) Adopt(string? oldPath, string fileName, ExportPaths paths)
    {
        var target = paths.ExportFile(fileName);
        if (oldPath is not null && !File.Exists(target))
        {
            var source = oldPath.StartsWith('/') ? paths.Root.Resolve(oldPath) : Path.Combine(paths.StateFolder, oldPath);
            if (File.Exists(source))
            {
                Directory.CreateDirectory(paths.ExportFiles);
                AtomicFile.MoveDurably(source, target);
            }
        }
        if (!File.Exists(target))
        {
            return (0, "");
        }
        using var file = File.OpenRead(target);
        using var hashing = new HashingStream(file);
        hashing.CopyTo(Stream.Null);
        return (hashing.BytesPassed, hashing.TakeHashHex());
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static DateTimeOffset? Time(JsonElement element, string name, TimeZoneInfo localZone)
    {
        if (Text(element, name) is not { } text)
        {
            return null;
        }
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            return null;
        }
        return parsed.Kind switch
        {
            DateTimeKind.Utc => new DateTimeOffset(parsed, TimeSpan.Zero),
            // "+02:00" parses as Local (converted); the instant is what matters.
            DateTimeKind.Local => new DateTimeOffset(parsed.ToUniversalTime(), TimeSpan.Zero),
            _ => new DateTimeOffset(parsed, localZone.GetUtcOffset(parsed)),
        };
    }
}
