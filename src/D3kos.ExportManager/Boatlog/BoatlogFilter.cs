using System.Globalization;

namespace D3kos.ExportManager.Boatlog;

/// <summary>
/// The optional from/to/type filters of the CSV download. Timestamps in the boat log are ISO 8601
/// text, so the bounds are turned into the same text and compared as text.
/// </summary>
public sealed record BoatlogFilter(string? From, string? ToExclusive, string? Type)
{
    private const string StoredFormat = "yyyy-MM-dd'T'HH:mm:ss";
    private static readonly string[] DateOnlyFormats = ["yyyy-MM-dd"];

    public static bool TryParse(string? from, string? to, string? type, out BoatlogFilter filter, out string error)
    {
        filter = new BoatlogFilter(null, null, null);
        error = "";
        string? fromText = null, toText = null;
        if (!string.IsNullOrEmpty(from))
        {
            if (!TryParseInstant(from, out var start, out _))
            {
                error = $"'from' is not an ISO 8601 date or date-time: {from}";
                return false;
            }
            fromText = start.ToString(StoredFormat, CultureInfo.InvariantCulture);
        }
        if (!string.IsNullOrEmpty(to))
        {
            if (!TryParseInstant(to, out var end, out var dateOnly))
            {
                error = $"'to' is not an ISO 8601 date or date-time: {to}";
                return false;
            }
            // 'to' is inclusive: a date means the whole day, a date-time the whole second. The last
            // day of the calendar (9999-12-31) has no day after it: it means no upper bound.
            var step = dateOnly ? TimeSpan.FromDays(1) : TimeSpan.FromSeconds(1);
            toText = end > DateTime.MaxValue - step ? null : (end + step).ToString(StoredFormat, CultureInfo.InvariantCulture);
        }
        if (fromText is not null && toText is not null && string.CompareOrdinal(fromText, toText) >= 0)
        {
            error = $"'from' ({from}) is after 'to' ({to}): no entry can be in that range. Swap them.";
            return false;
        }
        if (type is { Length: > 100 } || (type is not null && type.Any(char.IsControl)))
        {
            error = "'type' must be at most 100 printable characters";
            return false;
        }
        filter = new BoatlogFilter(fromText, toText, string.IsNullOrEmpty(type) ? null : type);
        return true;
    }

    /// <summary>
    /// The SQL conditions of this filter (" WHERE …" or "") and their values in order, for boatlog_entries. The
    /// parameters are named $p1, $p2…: SQLite numbers them in that order too, so either binding way works.
    /// </summary>
    public (string Where, string[] Values) Sql(bool withType = true)
    {
        var conditions = new List<string>();
        var values = new List<string>();
        if (From is not null)
        {
            conditions.Add($"timestamp >= $p{values.Count + 1}");
            values.Add(From);
        }
        if (ToExclusive is not null)
        {
            conditions.Add($"timestamp < $p{values.Count + 1}");
            values.Add(ToExclusive);
        }
        if (withType && Type is not null)
        {
            conditions.Add($"entry_type = $p{values.Count + 1}");
            values.Add(Type);
        }
        return (conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions), [.. values]);
    }

    private static bool TryParseInstant(string text, out DateTime value, out bool dateOnly)
    {
        dateOnly = DateTime.TryParseExact(text, DateOnlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
        if (dateOnly)
        {
            return true;
        }
        if (text.Length < 16 || text[10] != 'T' && text[10] != ' ')
        {
            return false;
        }
        // An explicit offset is turned into UTC; a local time without one is taken as written,
        // as the boat log stores it.
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }
        value = parsed.UtcDateTime;
        return true;
    }
}
