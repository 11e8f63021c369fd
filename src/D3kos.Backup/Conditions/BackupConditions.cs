using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>
/// The problems the owner must hear of, derived from what the backups folder already records (the schedule's
/// status, each target's last copy and ledger, the restore recovery note) and the card's free space. One
/// method per rule: the page, `status`, Signal K and email all take their list from here.
/// </summary>
public sealed class BackupConditions(
    BackupManager backups,
    AutomaticBackups automatic,
    BackupCopier copier,
    StoredCheck storedCheck,
    ExportQueueLook exports,
    IOptions<BackupOptions> options,
    TimeProvider time)
{
    /// <summary>A walk of the sources reads every folder: the free-space outlook is taken again at most this often.</summary>
    public static readonly TimeSpan SpaceRecheck = TimeSpan.FromMinutes(10);

    private readonly Lock _spaceLock = new();
    private SpaceOutlook? _space;
    private long _spaceTakenAt;

    private ConditionOptions Limits => options.Value.Conditions;

    /// <summary>Every condition that holds now, alarms first.</summary>
    public IReadOnlyList<Condition> Current(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var schedule = automatic.ReadStatus();
        List<Condition?> found =
        [
            LastRunFailed(schedule),
            BackupOverdue(schedule, now),
            .. copier.Targets.SelectMany(target => new[] { CopyFailed(target.Name), CopyOverdue(target.Name, schedule, now) }),
            FreeSpaceLow(Space(cancellationToken)),
            .. ExportConditions(now),
            RestoreRecovered(now),
            .. StoredDamaged(),
        ];
        return [.. found.OfType<Condition>().OrderBy(c => c.Severity switch { Condition.Alarm => 0, Condition.Warn => 1, _ => 2 })];
    }

    private Condition? LastRunFailed(ScheduleStatus? schedule) =>
        options.Value.Schedule.Enabled && schedule?.LastRun is { Result: RunStatus.Failed } run
            ? new Condition("backupFailed", Condition.Warn, $"The last automatic backup failed: {Sentence(run.Error)}",
                "Create a backup by hand on the owner's page or with 'd3kos-backup create'; if it fails too, its message says why.")
            : null;

    /// <summary>Measured from the newest backup made on this Pi (manual or automatic); with none, from the schedule's first start.</summary>
    private Condition? BackupOverdue(ScheduleStatus? schedule, DateTimeOffset now)
    {
        var newest = backups.List()
            .Where(b => b.Kind is BackupCatalog.Kinds.Manual or BackupCatalog.Kinds.Automatic)
            .Select(b => (DateTimeOffset?)b.Created).Max();
        var since = newest ?? schedule?.Since;
        if (since is null || now - since.Value <= TimeSpan.FromDays(Limits.BackupMaxAgeDays))
        {
            return null;
        }
        var message = newest is null
            ? $"No backup has been made on this Pi in the {Days(now - since.Value)} days since backups were set up."
            : $"No backup has been made on this Pi for {Days(now - since.Value)} days.";
        return new Condition("backupOverdue", Condition.Alarm, message,
            "Create a backup now, and check that automatic backups are on and succeed.");
    }

    private Condition? CopyFailed(string target) =>
        copier.LastCopy(target) is { Succeeded: false } copy
            ? new Condition($"copyFailed.{target}", Condition.Warn, $"The last copy to '{target}' failed: {Sentence(copy.Error)}",
                $"Fix what the message says, then copy the newest backup to '{target}' (owner's page, or 'd3kos-backup copy NAME --to {target}').")
            : null;

    private Condition? CopyOverdue(string target, ScheduleStatus? schedule, DateTimeOffset now)
    {
        var last = copier.LastCopied(target);
        var since = last ?? schedule?.Since;
        if (since is null || now - since.Value <= TimeSpan.FromDays(Limits.CopyMaxAgeDays))
        {
            return null;
        }
        var message = last is null
            ? $"No copy has ever reached '{target}', and backups were set up {Days(now - since.Value)} days ago."
            : $"No copy has reached '{target}' for {Days(now - since.Value)} days.";
        return new Condition($"copyOverdue.{target}", Condition.Warn, message,
            $"Make '{target}' reachable (plug in the drive, or bring the boat online) and copy the newest backup to it.");
    }

    /// <summary>The export manager's history is read once a look, for both of its rules.</summary>
    private IEnumerable<Condition?> ExportConditions(DateTimeOffset now)
    {
        var history = exports.History();
        return [ExportFailed(history, now), ExportStuck(history, now)];
    }

    private Condition? ExportFailed(IReadOnlyList<ExportEntryLook> history, DateTimeOffset now)
    {
        var failed = history.Where(e => e.Status == "failed" && now - (e.FinishedAt ?? e.Timestamp) <= TimeSpan.FromDays(Limits.ExportFailedDays))
            .OrderBy(e => e.FinishedAt ?? e.Timestamp).ToList();
        return failed.Count == 0 ? null : new Condition("exportFailed", Condition.Warn,
            $"{Count(failed.Count, "export")} failed for good in the last {Limits.ExportFailedDays} days and will not be sent again{Said(failed[^1].LastError)}",
            "Open the export queue on the owner's page, fix what the message names (the shore address, its key), and export again.");
    }

    private Condition? ExportStuck(IReadOnlyList<ExportEntryLook> history, DateTimeOffset now)
    {
        var waiting = exports.Waiting();
        var limit = TimeSpan.FromDays(Limits.ExportWaitDays);
        if (waiting.Count == 0 || now - waiting.Min(e => e.Timestamp) <= limit
            || history.Any(e => e.Status == "completed" && now - (e.FinishedAt ?? e.Timestamp) <= limit))
        {
            return null;
        }
        var oldest = waiting.MinBy(e => e.Timestamp)!;
        return new Condition("exportStuck", Condition.Warn,
            $"{Count(waiting.Count, "export")} waiting to reach shore, the oldest for {Days(now - oldest.Timestamp)} days, and none was sent meanwhile{Said(waiting.MaxBy(e => e.Timestamp)!.LastError ?? oldest.LastError)}",
            "Bring the boat online (a marina's Wi-Fi) and check the shore address; they are sent on their own once it answers.");
    }

    private static string Count(int n, string what) => n == 1 ? $"One {what}" : $"{n} {what}s";

    private static string Said(string? error) => error is null ? "." : $"; the last try said: {Sentence(error).TrimEnd('.')}.";

    private static Condition? FreeSpaceLow(SpaceOutlook? space) =>
        space is { Enough: false }
            ? new Condition("freeSpaceLow", Condition.Warn,
                $"The card has {FreeSpace.Megabytes(space.FreeBytes)} MB free and the next backup needs about {FreeSpace.Megabytes(space.NeededBytes)} MB, so it will not be made.",
                "Delete backups or files you no longer need (or move photos off the card) to make room.")
            : null;

    private Condition? RestoreRecovered(DateTimeOffset now) =>
        backups.LastRecovery() is { } recovery && now - recovery.Time < TimeSpan.FromHours(Limits.RestoreNoticeHours) && now >= recovery.Time
            ? new Condition("restoreRecovered", Condition.Alert,
                $"A restore of {recovery.BackupFile} was cut off (a crash or the power) and was {recovery.Outcome} when the backup service started.",
                "Check that the boat's settings and data are as you expect; restore again if they are not.")
            : null;

    /// <summary>From the last read-back check: each backup or copy it found damaged, until a check finds the newest one whole.</summary>
    private IEnumerable<Condition?> StoredDamaged() =>
        storedCheck.LastReport()?.Results.Where(r => r.Damaged).Select(r => new Condition(
            $"storedCheckDamaged.{r.Where}", Condition.Alarm,
            r.Where == StoredCheckResult.Local
                ? $"The newest backup on the card, {r.File}, failed its check: {Sentence(r.Problem)}"
                : $"The newest copy on '{r.Where}', {r.File}, failed its check: {Sentence(r.Problem)}",
            r.Where == StoredCheckResult.Local
                ? "Create a new backup now and copy it off the card; the card itself may be failing."
                : $"Copy the newest backup to '{r.Where}' again; if this comes back, replace the drive or check the storage.")) ?? [];

    /// <summary>The free-space outlook, taken again once <see cref="SpaceRecheck"/> has passed; null when the sources cannot be walked now.</summary>
    private SpaceOutlook? Space(CancellationToken cancellationToken)
    {
        lock (_spaceLock)
        {
            if (_space is null || time.GetElapsedTime(_spaceTakenAt) >= SpaceRecheck)
            {
                try
                {
                    _space = backups.NextBackupSpace(cancellationToken);
                    _spaceTakenAt = time.GetTimestamp();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BackupException)
                {
                    // The backup itself will say what is wrong with the sources; this check keeps its last answer.
                }
            }
            return _space;
        }
    }

    private static int Days(TimeSpan span) => (int)span.TotalDays;

    private static string Sentence(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? "no reason was recorded." : reason.TrimEnd().EndsWith('.') ? reason.Trim() : reason.Trim() + ".";
}
