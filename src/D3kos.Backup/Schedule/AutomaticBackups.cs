using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>
/// One automatic run (backup, then a copy to every target) and the schedule's status. The waiting is
/// <see cref="BackupScheduler"/>'s; this class does the work and writes down what happened, so a failed
/// run is visible in the API, the CLI and the page without reading the journal.
/// </summary>
public sealed partial class AutomaticBackups(
    BackupManager backups,
    BackupCopier copier,
    BackupPassphrase passphrase,
    BackupPaths paths,
    IOptions<BackupOptions> options,
    TimeProvider time,
    ILogger<AutomaticBackups> logger)
{
    /// <summary>How often a run that found the lock busy tries again, until <see cref="ScheduleOptions.LockWait"/> has passed.</summary>
    public static readonly TimeSpan LockRetry = TimeSpan.FromSeconds(15);

    private ScheduleOptions Settings => options.Value.Schedule;

    public ScheduleStatus? ReadStatus() => StatusFile.Read(paths.ScheduleStatusFile, BackupJsonContext.Default.ScheduleStatus);

    public void WriteStatus(ScheduleStatus status)
    {
        paths.EnsureBackupsFolder();
        StatusFile.Write(paths.ScheduleStatusFile, status, BackupJsonContext.Default.ScheduleStatus, logger);
    }

    /// <summary>The status at start: first start on this device, or a run found cut off by a crash or power cut.</summary>
    public ScheduleStatus Start()
    {
        var now = time.GetUtcNow();
        var status = ReadStatus() ?? new ScheduleStatus(now, null, null, null);
        if (status.RunningSince is { } cutOff)
        {
            status = status with
            {
                RunningSince = null,
                LastRun = new RunStatus(cutOff, now, RunStatus.Failed, null, 0, 0,
                    "The run was cut off (the service stopped or the power went) before it finished; the next run makes a new backup.", null),
            };
        }
        WriteStatus(status);
        return status;
    }

    /// <summary>When the next run is due after <paramref name="status"/>, before the random delay; null when the calendar never comes round.</summary>
    public DateTimeOffset? NextRun(ScheduleStatus status) =>
        SchedulePlan.NextRun(Settings.ParseCalendar(), time.LocalTimeZone, status.Since, status.LastRun?.Started, time.GetUtcNow());

    /// <summary>Makes the automatic backup and its copies; never throws for a failure of its own, it records it.</summary>
    public async Task<RunStatus> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        WriteStatus((ReadStatus() ?? new ScheduleStatus(started, null, null, null)) with { RunningSince = started, NextRun = null });
        var watch = Stopwatch.StartNew();
        var run = await MakeBackupAsync(started, watch, cancellationToken);
        if (run.Result == RunStatus.Succeeded)
        {
            var failures = new List<string>();
            foreach (var target in copier.Targets)
            {
                try
                {
                    await copier.CopyAsync(run.BackupFile!, target.Name, null, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The copier records its own failures; anything else is caught here so one target cannot stop the others.
                    failures.Add($"copy to '{target.Name}' failed: {ex.Message}");
                }
            }
            run = run with
            {
                Finished = time.GetUtcNow(),
                DurationMs = watch.ElapsedMilliseconds,
                Error = failures.Count > 0 ? $"The backup was made; {string.Join(" ", failures)}" : null,
            };
        }
        if (run.Result == RunStatus.Succeeded && run.Error is null)
        {
            Log.RunSucceeded(logger, run.BackupFile!, run.DurationMs);
        }
        else
        {
            Log.RunFailed(logger, run.Result, run.Error ?? "");
        }
        WriteStatus((ReadStatus() ?? new ScheduleStatus(started, null, null, null)) with { RunningSince = null, LastRun = run });
        return run;
    }

    /// <summary>
    /// The backup, waiting for a manual backup or a restore that holds the lock: it tries again every
    /// <see cref="LockRetry"/> and skips (saying so) once <see cref="ScheduleOptions.LockWait"/> has passed.
    /// </summary>
    private async Task<RunStatus> MakeBackupAsync(DateTimeOffset started, Stopwatch watch, CancellationToken cancellationToken)
    {
        var waited = false;
        // Waits are measured on the monotonic clock: the wall clock of a Pi jumps when it finds the network.
        var waitStart = time.GetTimestamp();
        while (true)
        {
            try
            {
                var result = await Task.Run(backups.CreateAutomatic, cancellationToken);
                var note = waited ? $"Waited {time.GetElapsedTime(waitStart).TotalSeconds:0} s for a manual backup or a restore to finish." : null;
                return new RunStatus(started, time.GetUtcNow(), RunStatus.Succeeded, result.FileName, result.SizeBytes, watch.ElapsedMilliseconds, null, note);
            }
            catch (BackupException ex) when (ex.Error == BackupError.Busy)
            {
                var waitedFor = time.GetElapsedTime(waitStart);
                if (waitedFor >= Settings.LockWait)
                {
                    return new RunStatus(started, time.GetUtcNow(), RunStatus.Skipped, null, 0, watch.ElapsedMilliseconds,
                        $"Skipped: a manual backup or a restore was still running after {waitedFor.TotalMinutes:0} minutes of waiting.", null);
                }
                if (!waited)
                {
                    Log.WaitingForLock(logger);
                    waited = true;
                }
                var remaining = Settings.LockWait - waitedFor;
                await Task.Delay(remaining < LockRetry ? remaining : LockRetry, time, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Whatever stopped the backup (a full disk, a database SQLite cannot read) is this run's
                // result: recorded with its start, so the next run is planned from it, not at once again.
                if (ex is not (BackupException or IOException or UnauthorizedAccessException))
                {
                    Log.RunError(logger, ex);
                }
                return new RunStatus(started, time.GetUtcNow(), RunStatus.Failed, null, 0, watch.ElapsedMilliseconds, ex.Message, null);
            }
        }
    }

    /// <summary>The schedule, every target and whether a passphrase is set, as one answer.</summary>
    public async Task<BackupStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var status = ReadStatus();
        var view = new ScheduleView(
            Settings.Enabled,
            Settings.Calendar,
            time.LocalTimeZone.Id,
            Settings.Enabled ? status?.NextRun : null,
            status?.RunningSince is not null,
            status?.LastRun);
        return new BackupStatus(view, await copier.StatusAsync(cancellationToken), passphrase.IsSet);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Automatic backup waits: a manual backup or a restore holds the lock")]
        public static partial void WaitingForLock(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "Automatic backup {Backup} made and copied in {DurationMs} ms")]
        public static partial void RunSucceeded(ILogger logger, string backup, long durationMs);

        [LoggerMessage(Level = LogLevel.Error, Message = "The automatic backup failed unexpectedly")]
        public static partial void RunError(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Automatic backup run {Result}: {Error}")]
        public static partial void RunFailed(ILogger logger, string result, string error);
    }
}
