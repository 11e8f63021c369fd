using Microsoft.Extensions.Options;

namespace D3kos.ExportManager.Queue;

/// <summary>
/// Uploads due entries in the background. It sleeps until the next entry is due, the processing
/// interval passes, or a new entry is queued, whichever comes first: a plain PeriodicTimer would
/// let a retry due just after a tick wait a whole extra interval.
/// </summary>
public sealed partial class ExportQueueWorker(
    QueueStore queue,
    QueueProcessor processor,
    IOptions<ExportOptions> options,
    TimeProvider time,
    ILogger<ExportQueueWorker> logger) : BackgroundService
{
    public bool IsRunning { get; private set; }

    /// <summary>When the worker will next look at the queue unless woken sooner (null while it works).</summary>
    public DateTimeOffset? SleepingUntil { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        queue.Initialize();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IsRunning = true;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                queue.ConsumeWake();
                try
                {
                    await processor.ProcessDueAsync(stoppingToken);
                    processor.Prune();
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    Log.RunFailed(logger, ex);
                }
                await SleepAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: an entry being uploaded stays in the queue and is tried again after restart.
        }
        finally
        {
            IsRunning = false;
        }
    }

    private async Task SleepAsync(CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        var delay = options.Value.ProcessInterval;
        if (queue.NextDueAt() is { } due && due - now < delay)
        {
            delay = due > now ? due - now : TimeSpan.Zero;
        }
        if (delay == TimeSpan.Zero)
        {
            // Something is due but was not processed (e.g. a run was just made by hand): avoid spinning.
            delay = TimeSpan.FromSeconds(1);
        }
        using var wakeOrStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var sleep = Task.Delay(delay, time, wakeOrStop.Token);
        var wake = queue.WaitForWorkAsync(wakeOrStop.Token).AsTask();
        SleepingUntil = now + delay;
        await Task.WhenAny(sleep, wake);
        SleepingUntil = null;
        await wakeOrStop.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Queue processing run failed; the next run tries again")]
        public static partial void RunFailed(ILogger logger, Exception exception);
    }
}
