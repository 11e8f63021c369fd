using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace D3kos.Common.Compression;

/// <summary>
/// The threads that compress <see cref="ParallelGzipStream"/>'s blocks: one per core, started once and shared
/// by every stream, not the thread pool. The writer waits for them synchronously, and a writer that is itself
/// on a pool thread (the restore's safety backup) would otherwise wait for pool threads that the pool adds
/// only one or two a second. Threads made per stream would cost their stacks and the buffers ArrayPool
/// caches per thread on every export (BENCHMARKS.md, the export manager's peak memory).
/// </summary>
internal static class GzipWorkers
{
    private static readonly BlockingCollection<GzipJob> Jobs = new();
    private static readonly Lazy<Thread[]> Workers = new(StartWorkers);

    public static int Count => Workers.Value.Length;

    public static void Submit(GzipJob job)
    {
        _ = Workers.Value; // started on first use
        Jobs.Add(job);
    }

    private static Thread[] StartWorkers()
    {
        var threads = new Thread[Environment.ProcessorCount];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = $"gzip-{i}" };
            threads[i].Start();
        }
        return threads;
    }

    private static void Work()
    {
        foreach (var job in Jobs.GetConsumingEnumerable())
        {
            try
            {
                job.Result = GzipMember.Compress(job.Block, job.Length, job.Level);
            }
            catch (Exception ex)
            {
                job.Error = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                job.Done.Set();
            }
        }
    }
}
