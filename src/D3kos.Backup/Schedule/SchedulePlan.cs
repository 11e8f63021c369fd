using Cronos;

namespace D3kos.Backup;

/// <summary>
/// When the next automatic run is due, as systemd's timers with Persistent=true decide it: the first time
/// of the calendar after the last run, and when that passed while the Pi was off, now.
/// </summary>
internal static class SchedulePlan
{
    /// <param name="since">When the schedule started on this device (stands for the last run before the first one).</param>
    /// <returns>The time, or null for a calendar that never comes round again (30 February).</returns>
    public static DateTimeOffset? NextRun(CronExpression calendar, TimeZoneInfo zone, DateTimeOffset since, DateTimeOffset? lastStarted, DateTimeOffset now)
    {
        var from = lastStarted ?? since;
        if (from > now)
        {
            // The clock is behind the last run (a Pi has no real-time clock and may boot with an old time):
            // waiting for the calendar after that run could mean days without a backup, so run now.
            return now;
        }
        var next = calendar.GetNextOccurrence(from, zone);
        return next < now ? now : next;
    }
}
