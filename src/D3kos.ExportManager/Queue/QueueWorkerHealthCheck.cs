using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace D3kos.ExportManager.Queue;

/// <summary>
/// Healthy only while the queue is loaded and its worker runs: a worker that stopped (a crash in its
/// loop, a shutdown that hung) would otherwise leave exports piling up behind a "healthy" service.
/// </summary>
public sealed class QueueWorkerHealthCheck(QueueStore queue, ExportQueueWorker worker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["queue_initialized"] = queue.IsInitialized, ["worker_running"] = worker.IsRunning };
        return Task.FromResult(queue.IsInitialized && worker.IsRunning
            ? HealthCheckResult.Healthy("the queue is loaded and its worker runs", data)
            : HealthCheckResult.Unhealthy(queue.IsInitialized ? "the queue worker has stopped: exports are not delivered" : "the queue is not loaded", data: data));
    }
}
