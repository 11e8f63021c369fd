using Cronos;

namespace D3kos.Backup;

/// <summary>When automatic backups run and how many are kept (configuration "Backup:Schedule").</summary>
public sealed class ScheduleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A cron expression in the Pi's local time: five fields ("30 3 * * *", daily at 03:30, the default),
    /// six with seconds first, or @daily, @weekly, @hourly.
    /// </summary>
    public string Calendar { get; set; } = "30 3 * * *";

    /// <summary>Each run starts at a random moment up to this long after its time (systemd's RandomizedDelaySec), so a fleet does not start together.</summary>
    public TimeSpan RandomizedDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a run waits for a manual backup or a restore to finish before it skips (and says so).</summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Automatic backups kept: the newest of each of the last N days that have one...</summary>
    public int KeepDaily { get; set; } = 7;

    /// <summary>...plus the newest of each of the last N weeks (Monday to Sunday, UTC).</summary>
    public int KeepWeekly { get; set; } = 4;

    /// <summary>The parsed calendar; throws <see cref="CronFormatException"/> for one that does not parse.</summary>
    public CronExpression ParseCalendar()
    {
        var text = Calendar.Trim();
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }

    internal IEnumerable<string> Problems()
    {
        string? calendarProblem = null;
        try
        {
            ParseCalendar();
        }
        catch (CronFormatException ex)
        {
            calendarProblem = $"Backup:Schedule:Calendar '{BackupPaths.Printable(Calendar)}' is not a cron expression: {ex.Message}";
        }
        if (calendarProblem is not null)
        {
            yield return calendarProblem;
        }
        if (RandomizedDelay < TimeSpan.Zero || LockWait < TimeSpan.Zero)
        {
            yield return "Backup:Schedule:RandomizedDelay and LockWait must not be negative";
        }
        if (KeepDaily < 1 || KeepWeekly < 0)
        {
            yield return "Backup:Schedule:KeepDaily must be at least 1 and KeepWeekly at least 0";
        }
    }
}
