using D3kos.Backup;
using Microsoft.Extensions.Options;

namespace D3kos.BackupApi;

/// <summary>
/// Runs the read-back check of what is stored (<see cref="StoredCheck"/>) once Backup:StoredCheck:Interval has
/// passed since the last one (or since the service started, when there was none), looking every ten minutes.
/// </summary>
public sealed partial class StoredCheckScheduler(
    StoredCheck check,
    IOptions<BackupOptions> options,
    TimeProvider time,
    ILogger<StoredCheckScheduler> logger) : BackgroundService
{
    private StoredCheckOptions Settings => options.Value.StoredCheck;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = time.GetUtcNow();
        var look = Settings.Interval < TimeSpan.FromMinutes(10) ? Settings.Interval : TimeSpan.FromMinutes(10);
        using var timer = new PeriodicTimer(look, time);
        while (Settings.Enabled && await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (time.GetUtcNow() - (check.LastReport()?.Time ?? started) < Settings.Interval)
            {
                continue;
            }
            try
            {
                await check.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                CheckFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 361, Level = LogLevel.Error, Message = "The check of what is stored failed; it runs again at the next look")]
    private static partial void CheckFailed(ILogger logger, Exception exception);
}
