using D3kos.Backup;
using Microsoft.Extensions.Options;

namespace D3kos.BackupApi;

/// <summary>
/// Looks at the conditions every Backup:Conditions:CheckInterval and brings Signal K (and the email outbox)
/// in line with them. Signal K is read back at each look, so a condition goes out when it begins, is not
/// repeated, is set back to normal when it ends, and reaches a Signal K that was down or restarted as soon
/// as it answers again. The first look waits one interval: the start of the service stays as light as before.
/// </summary>
public sealed partial class ConditionWatcher(
    BackupConditions conditions,
    SignalKLink signalK,
    EmailSender email,
    IOptions<BackupOptions> options,
    TimeProvider time,
    ILogger<ConditionWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Conditions.CheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var now = await Task.Run(() => conditions.Current(stoppingToken), stoppingToken).ConfigureAwait(false);
                await signalK.SyncAsync(now, stoppingToken).ConfigureAwait(false);
                await email.NotifyAsync(now, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One look that fails (the backups folder unreadable for a moment) must not stop the API; the next look tries again.
                LookFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 344, Level = LogLevel.Error, Message = "Looking at the conditions failed; trying again at the next look")]
    private static partial void LookFailed(ILogger logger, Exception exception);
}
