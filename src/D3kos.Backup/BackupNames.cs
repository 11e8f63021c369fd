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

    [GeneratedRegex(@"^d3kos_(backup|prerestore)_(\d{8})_(\d{6})(?:_(\d{1,3}))?\.tar\.gz\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsBackupName(string? name) => name is not null && Pattern().IsMatch(name);

    public static bool IsRegular(string name) => IsBackupName(name) && name.StartsWith(RegularPrefix, StringComparison.Ordinal);

    public static bool IsSafety(string name) => IsBackupName(name) && name.StartsWith(SafetyPrefix, StringComparison.Ordinal);

    /// <summary>Sort key: time stamp, then the same-second suffix.</summary>
    public static (string Stamp, int Suffix) SortKey(string name)
    {
        var match = Pattern().Match(name);
        var suffix = match.Groups[4].Success ? int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture) : 0;
        return (match.Groups[2].Value + match.Groups[3].Value, suffix);
    }

    /// <summary>When the name says the backup was made (UTC), or null for a name that is not a backup's.</summary>
    public static DateTimeOffset? CreatedFromName(string name)
    {
        var match = Pattern().Match(name);
        return match.Success && DateTime.TryParseExact(match.Groups[2].Value + match.Groups[3].Value, "yyyyMMddHHmmss",
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created)
            ? new DateTimeOffset(created, TimeSpan.Zero)
            : null;
    }

    /// <summary>A name for a new backup that no file in the folder has yet; a suffix keeps two in one second apart.</summary>
    public static string NewName(string folder, string prefix, DateTimeOffset when)
    {
        var stamp = when.UtcDateTime.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        for (var suffix = 0; suffix < 1000; suffix++)
        {
            var name = suffix == 0 ? $"{prefix}{stamp}.tar.gz" : $"{prefix}{stamp}_{suffix.ToString(CultureInfo.InvariantCulture)}.tar.gz";
            if (!File.Exists(Path.Combine(folder, name)) && !File.Exists(Path.Combine(folder, name + ".partial")))
            {
                return name;
            }
        }
        throw new BackupException(BackupError.Busy, "More than 1000 backups in one second: refusing to make another.");
    }
}
