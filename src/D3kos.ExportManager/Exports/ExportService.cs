using D3kos.Common.Files;
using D3kos.ExportManager.Queue;

namespace D3kos.ExportManager.Exports;

/// <summary>An export built and queued, with the queue entry that will deliver it.</summary>
public sealed record QueuedExport(BuiltExport Built, QueueEntry Entry);

/// <summary>
/// Builds an export and queues it for delivery, or discards it: an export that could not be queued
/// durably is deleted, so there is no orphan file and no false success. The endpoints call this and
/// never touch the queue's files themselves.
/// </summary>
public sealed class ExportService(ExportBuilder builder, QueueStore queue, ExportPaths paths)
{
    public QueuedExport GenerateFull() => Queue(ExportType.FullExport, builder.BuildFull());

    /// <exception cref="ExportSourceException">The boat log cannot be read; nothing was queued.</exception>
    public QueuedExport SnapshotBoatlog() => Queue(ExportType.Boatlog, builder.BuildBoatlogSnapshot());

    private QueuedExport Queue(ExportType type, BuiltExport built)
    {
        var data = new ExportData
        {
            ExportId = built.ExportId,
            ExportFile = built.File.FileName,
            SizeBytes = built.File.SizeBytes,
            Sha256 = built.File.Sha256,
            EntryCount = type == ExportType.Boatlog ? built.Count : null,
            CategoryCount = type == ExportType.FullExport ? built.Count : null,
        };
        try
        {
            return new QueuedExport(built, queue.Enqueue(type, data));
        }
        catch
        {
            AtomicFile.TryDelete(paths.ExportFile(built.File.FileName));
            throw;
        }
    }
}
