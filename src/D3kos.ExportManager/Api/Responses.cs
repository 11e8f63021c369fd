using D3kos.ExportManager.Queue;

namespace D3kos.ExportManager.Api;

public sealed record StatusResponse(
    bool Success,
    string Service,
    int Port,
    int Tier,
    bool CanExport,
    string? LicenseError,
    QueueStats Queue,
    ProcessReport? LastRun,
    IReadOnlyList<string> LastExportWarnings);

/// <param name="Warnings">One sentence per category that could not be read (its error is also in the export file).</param>
public sealed record GenerateResponse(bool Success, string ExportId, string ExportFile, string QueueId, int CategoryCount, IReadOnlyList<string> Warnings);

public sealed record BoatlogExportResponse(bool Success, string ExportId, string ExportFile, string QueueId, int EntryCount);

/// <param name="Delivery">Where sent exports go: "folder" (Central:Url file://, kept on this Pi for pickup), "http" or "s3" (to shore).</param>
public sealed record QueueResponse(bool Success, QueueStats Stats, IReadOnlyList<QueueEntry> Entries, string Delivery);

/// <param name="Entries">All entries in the range, of every type.</param>
public sealed record BoatlogTypesResponse(bool Success, long Entries, IReadOnlyList<D3kos.ExportManager.Boatlog.BoatlogTypeCount> Types);

public sealed record ProcessResponse(
    bool Success,
    int Processed,
    int Completed,
    int Retrying,
    int Failed,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt);

public sealed record HistoryResponse(bool Success, int Count, IReadOnlyList<QueueEntry> Entries);
