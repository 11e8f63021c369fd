using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>
/// Runs the automatic backups inside the backup API, as a systemd timer with Persistent=true and
/// RandomizedDelaySec would: at the calendar's times, a run missed while the Pi was off soon after the
/// next start, each after a random delay. In-process rather than a timer unit, so the schedule lives in the
/// same settings as everything else and the demo and the tests run it without systemd.
/// </summary>
public sealed partial class BackupScheduler(
    AutomaticBackups automatic,
    IOptions<BackupOptions> options,
    TimeProvider time,
    ILogger<BackupScheduler> logger) : BackgroundService
{
    /// <summary>
    /// The longest single wait: the clock is looked at again at least this often, so a clock that jumps
    /// (the Pi sets its time from the network some minutes after boot) moves the run with it.
    /// </summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Schedule.Enabled)
        {
            return;
        }
        try
        {
            var status = automatic.Start();
            while (!stoppingToken.IsCancellationRequested)
            {
                var planned = time.GetUtcNow();
                if (automatic.NextRun(status) is not { } next)
                {
                    automatic.WriteStatus(status with { NextRun = null });
                    Log.NeverAgain(logger, options.Value.Schedule.Calendar);
                    return;
                }
                var due = next + RandomDelay();
                automatic.WriteStatus(status with { NextRun = due });
                Log.NextRun(logger, due);
                while (time.GetUtcNow() is var now && now < due && now >= planned)
                {
                    var wait = due - now;
                    await Task.Delay(wait < LongestWait ? wait : LongestWait, time, stoppingToken);
                }
                if (time.GetUtcNow() < planned)
                {
                    continue; // the clock went back while waiting: plan again from the new time
                }
                var started = time.GetUtcNow();
                try
                {
                    // Planned from the run just made, not from the file: a status that could not be written
                    // (a card remounted read-only) must not bring back the old last run and run again at once.
                    var run = await automatic.RunAsync(stoppingToken);
                    status = status with { RunningSince = null, LastRun = run };
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A bug in a run must stop neither the service nor the schedule: the failure is recorded
                    // with the run's start, so the next run is planned from it rather than straight away.
                    Log.RunCrashed(logger, ex);
                    status = status with
                    {
                        RunningSince = null,
                        LastRun = new RunStatus(started, time.GetUtcNow(), RunStatus.Failed, null, 0, 0, ex.Message, null),
                    };
                    automatic.WriteStatus(status);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The service is stopping; a run cut off here is recorded as such at the next start.
        }
    }

    private TimeSpan RandomDelay()
    {
        var most = options.Value.Schedule.RandomizedDelay;
        return most <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * most.TotalMilliseconds);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Next automatic backup at {Due:u}")]
        public static partial void NextRun(ILogger logger, DateTimeOffset due);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The calendar '{Calendar}' never comes round again: no more automatic backups until it is changed")]
        public static partial void NeverAgain(ILogger logger, string calendar);

        [LoggerMessage(Level = LogLevel.Error, Message = "An automatic backup run failed unexpectedly")]
        public static partial void RunCrashed(ILogger logger, Exception exception);
    }
}
