using System.Globalization;
using System.Text.RegularExpressions;

namespace D3kos.Backup;

/// <summary>
/// The only names a backup file can have. Every name from outside is matched against these
/// patterns before it is joined to the backups folder, so no other file can be reached.
/// </summary>
public static partial class BackupNames
{
    public const string RegularPrefix = "d3kos_backup_";
    public const string SafetyPrefix = "d3kos_prerestore_";

    /// <summary>Backups made on another device and brought in (upload, import): named for when they arrived.</summary>
    public const string ImportedPrefix = "d3kos_imported_";

    /// <summary>Backups made by the schedule, with their own retention (days and weeks).</summary>
    public const string AutomaticPrefix = "d3kos_auto_";

    // [0-9], not \d: .NET's \d also matches Arabic-Indic and other digits, which no name of ours has.
    [GeneratedRegex(@"^d3kos_(backup|prerestore|imported|auto)_([0-9]{8})_([0-9]{6})(?:_([0-9]{1,3}))?\.tar\.gz\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsBackupName(string? name) => name is not null && Pattern().IsMatch(name);

    public static bool IsRegular(string name) => IsBackupName(name) && name.StartsWith(RegularPrefix, StringComparison.Ordinal);

    public static bool IsSafety(string name) => IsBackupName(name) && name.StartsWith(SafetyPrefix, StringComparison.Ordinal);

    public static bool IsImported(string name) => IsBackupName(name) && name.StartsWith(ImportedPrefix, StringComparison.Ordinal);

    public static bool IsAutomatic(string name) => IsBackupName(name) && name.StartsWith(AutomaticPrefix, StringComparison.Ordinal);

    /// <summary>Sort key: time stamp, then the same-second suffix.</summary>
    public static (string Stamp, int Suffix) SortKey(string name)
    {
        var match = Pattern().Match(name);
        var suffix = match.Groups[4].Success ? int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture) : 0;
        return (match.Groups[2].Value + match.Groups[3].Value, suffix);
    }

    /// <summary>
    /// True when the name's time is when the backup was made: every kind this device makes (regular,
    /// automatic, pre-restore), whose manifest carries the same time. An imported backup is named for when it arrived.
    /// </summary>
    public static bool TimeIsCreation(string name) => IsBackupName(name) && !IsImported(name);

    /// <summary>When the name says the backup was made (UTC), or null for a name that is not a backup's.</summary>
    public static DateTimeOffset? CreatedFromName(string name)
    {
        var match = Pattern().Match(name);
        return match.Success && DateTime.TryParseExact(match.Groups[2].Value + match.Groups[3].Value, "yyyyMMddHHmmss",
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created)
            ? new DateTimeOffset(created, TimeSpan.Zero)
            : null;
    }

    /// <summary>
    /// A name for a new backup that sorts after every backup already in the folder, of any kind:
    /// names are the order of making (retention deletes the oldest by name). Normally that is the time
    /// now; a second backup in the same second takes the next suffix above the highest one there
    /// (never a freed lower one), and when the clock went back (a Pi has no real-time clock and may
    /// boot at sea with the wrong time) the newest existing stamp is continued instead.
    /// </summary>
    public static string NewName(string folder, string prefix, DateTimeOffset when)
    {
        var stamp = when.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var suffix = 0;
        if (Newest(folder) is { } newest && string.CompareOrdinal(stamp, newest.Stamp) <= 0)
        {
            // The same second takes the next suffix; a clock behind the newest backup (or 999 suffixes
            // used) continues one second after it, so a stamp from a wrong clock never blocks backups.
            (stamp, suffix) = stamp == newest.Stamp && newest.Suffix < 999
                ? (newest.Stamp, newest.Suffix + 1)
                : (NextSecond(newest.Stamp), 0);
        }
        var text = $"{stamp[..8]}_{stamp[8..]}";
        return suffix == 0 ? $"{prefix}{text}.tar.gz" : $"{prefix}{text}_{suffix.ToString(CultureInfo.InvariantCulture)}.tar.gz";
    }

    private static string NextSecond(string stamp) =>
        DateTime.ParseExact(stamp, "yyyyMMddHHmmss", CultureInfo.InvariantCulture).AddSeconds(1).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    /// <summary>The highest sort key of the backups (and partial ones) in the folder.</summary>
    private static (string Stamp, int Suffix)? Newest(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }
        (string Stamp, int Suffix)? newest = null;
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            name = name.EndsWith(".partial", StringComparison.Ordinal) ? name[..^".partial".Length] : name;
            if (IsBackupName(name) && SortKey(name) is var key && (newest is null || key.CompareTo(newest.Value) > 0))
            {
                newest = key;
            }
        }
        return newest;
    }
}
