namespace D3kos.Backup;

/// <summary>What the schedule keeps between runs and restarts (the backups folder's .schedule-status.json).</summary>
/// <param name="Since">When the schedule first ran on this device: a run missed after it (the Pi was off) is made up at the next start.</param>
/// <param name="NextRun">The run being waited for, as planned by the backup API.</param>
/// <param name="RunningSince">Set while a run is going on; found set at start, the run was cut off.</param>
public sealed record ScheduleStatus(DateTimeOffset Since, DateTimeOffset? NextRun, DateTimeOffset? RunningSince, RunStatus? LastRun);

/// <summary>One automatic run.</summary>
/// <param name="Result">"succeeded" (the backup was made; copies report on their own), "failed" or "skipped" (the lock stayed busy).</param>
/// <param name="Error">Why it failed or was skipped, or which copies failed after a good backup.</param>
/// <param name="Note">How long it waited for a manual backup or a restore, when it did.</param>
public sealed record RunStatus(
    DateTimeOffset Started,
    DateTimeOffset Finished,
    string Result,
    string? BackupFile,
    long SizeBytes,
    long DurationMs,
    string? Error,
    string? Note)
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
}

/// <summary>The schedule as the API, the CLI and the page show it.</summary>
public sealed record ScheduleView(bool Enabled, string Calendar, string TimeZone, DateTimeOffset? NextRun, bool Running, RunStatus? LastRun);

/// <summary>Everything about automatic backups and copies in one answer.</summary>
public sealed record BackupStatus(ScheduleView Schedule, IReadOnlyList<TargetStatus> Targets, bool PassphraseSet);
