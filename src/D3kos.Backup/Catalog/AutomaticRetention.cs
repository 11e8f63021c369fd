using System.Globalization;

namespace D3kos.Backup;

/// <summary>
/// Which automatic backups stay: the newest of each of the last <c>KeepDaily</c> days that have one, and the
/// newest of each of the last <c>KeepWeekly</c> ISO weeks (the two rules counted apart and joined, as restic's
/// forget --keep-daily --keep-weekly does). Days are UTC days, as in the names.
/// </summary>
internal static class AutomaticRetention
{
    /// <param name="newestFirst">Automatic backups' names, newest first.</param>
    public static HashSet<string> Kept(IEnumerable<string> newestFirst, int keepDaily, int keepWeekly)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var days = new HashSet<DateOnly>();
        var weeks = new HashSet<(int Year, int Week)>();
        foreach (var name in newestFirst)
        {
            if (BackupNames.CreatedFromName(name) is not { } created)
            {
                continue;
            }
            var moment = created.UtcDateTime;
            if (days.Count < keepDaily && days.Add(DateOnly.FromDateTime(moment)))
            {
                kept.Add(name);
            }
            if (weeks.Count < keepWeekly && weeks.Add((ISOWeek.GetYear(moment), ISOWeek.GetWeekOfYear(moment))))
            {
                kept.Add(name);
            }
        }
        return kept;
    }
}
