using D3kos.Common.Files;
using D3kos.Common.Hosting;
using D3kos.Common.Licensing;
using D3kos.Common.Security;
using D3kos.ExportManager.Exports;
using D3kos.ExportManager.Queue;
using Microsoft.AspNetCore.Http.HttpResults;

namespace D3kos.ExportManager.Api;

/// <summary>Health, status and the two ways to build an export.</summary>
public static class ExportEndpoints
{
    private const int DefaultPort = 8094;

    public static IEndpointRouteBuilder MapExports(this IEndpointRouteBuilder app)
    {
        app.MapD3kosHealth("export-manager");
        var group = app.MapGroup("/export").WithTags("Exports");
        group.MapMethods("/status", GetAndHead.Methods, Status);
        group.MapPost("/generate", Generate).RequireAdmin().RequireExportTier();
        group.MapPost("/boatlog", SnapshotBoatlog).RequireAdmin().RequireExportTier();
        return app;
    }

    private static Ok<StatusResponse> Status(HttpContext context, LicenseReader licenseReader, ExportQueue queue, ExportBuilder builder)
    {
        var license = licenseReader.Read();
        var port = context.Connection.LocalPort is > 0 and var local ? local : DefaultPort;
        return TypedResults.Ok(new StatusResponse(
            true, "export-manager", port, license.Tier, TierGate.Refusal(license) is null, license.Error, queue.Stats(), queue.LastRun, builder.LastWarnings));
    }

    private static Ok<GenerateResponse> Generate(ExportBuilder builder, ExportQueue queue)
    {
        var built = builder.BuildFull();
        var entry = EnqueueOrDiscard(queue, ExportType.FullExport, built);
        return TypedResults.Ok(new GenerateResponse(true, built.ExportId, built.File.FileName, entry.Id, built.Count, built.Warnings));
    }

    private static Results<Ok<BoatlogExportResponse>, ProblemHttpResult> SnapshotBoatlog(ExportBuilder builder, ExportQueue queue)
    {
        BuiltExport built;
        try
        {
            built = builder.BuildBoatlogSnapshot();
        }
        catch (ExportSourceException ex)
        {
            return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, $"{ex.Message}. Nothing was queued.");
        }
        var entry = EnqueueOrDiscard(queue, ExportType.Boatlog, built);
        return TypedResults.Ok(new BoatlogExportResponse(true, built.ExportId, built.File.FileName, entry.Id, built.Count));
    }

    /// <summary>An export that could not be queued durably is deleted: no orphan file, no false success.</summary>
    private static QueueEntry EnqueueOrDiscard(ExportQueue queue, string type, BuiltExport built)
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
            return queue.Enqueue(type, data);
        }
        catch
        {
            AtomicFile.TryDelete(Path.Combine(queue.ExportFolder, built.File.FileName));
            throw;
        }
    }
}
