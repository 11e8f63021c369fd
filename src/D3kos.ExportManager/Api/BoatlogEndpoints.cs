using D3kos.Common.Hosting;
using D3kos.Common.Security;
using D3kos.ExportManager.Boatlog;
using D3kos.ExportManager.Exports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;

namespace D3kos.ExportManager.Api;

/// <summary>The boat log: its export into the delivery queue, and its CSV download.</summary>
public static class BoatlogEndpoints
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    public static IEndpointRouteBuilder MapBoatlog(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/export/boatlog").WithTags("Boatlog");
        group.MapPost("", SnapshotBoatlog).RequireExportTier();
        group.MapMethods("/csv", GetAndHead.Methods, DownloadCsv).RequireExportTier();
        group.MapGet("/types", Types).RequireExportTier();
        return app;
    }

    private static Results<Ok<BoatlogExportResponse>, ProblemHttpResult> SnapshotBoatlog(ExportService exports)
    {
        try
        {
            var (built, entry) = exports.SnapshotBoatlog();
            return TypedResults.Ok(new BoatlogExportResponse(true, built.ExportId, built.File.FileName, entry.Id, built.Count));
        }
        catch (ExportSourceException ex)
        {
            return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, $"{ex.Message}. Nothing was queued.");
        }
    }

    /// <summary>The log's entry types with their counts between from and to (the CSV's own filter rules).</summary>
    private static Results<Ok<BoatlogTypesResponse>, ProblemHttpResult> Types(ExportPaths paths, string? from, string? to)
    {
        if (!BoatlogFilter.TryParse(from, to, null, out var filter, out var error))
        {
            return ApiProblem.BadRequest(error);
        }
        try
        {
            var types = BoatlogTypes.Count(paths.BoatlogDatabase, filter);
            return TypedResults.Ok(new BoatlogTypesResponse(true, types.Sum(t => t.Entries), types));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteBusy or SqliteLocked)
        {
            return ApiProblem.Create(StatusCodes.Status503ServiceUnavailable, "The boat log is locked by a writer; try again in a moment.");
        }
        catch (SqliteException ex)
        {
            return ApiProblem.Create(StatusCodes.Status500InternalServerError, $"The boat log database cannot be read: {ex.Message}");
        }
    }

    private static async Task<Results<BoatlogCsv, ProblemHttpResult>> DownloadCsv(
        ExportPaths paths, CsvDownloadGate gate, string? from, string? to, string? type, CancellationToken cancellationToken)
    {
        if (!BoatlogFilter.TryParse(from, to, type, out var filter, out var error))
        {
            return ApiProblem.BadRequest(error);
        }
        var slot = await gate.EnterAsync(cancellationToken);
        try
        {
            return BoatlogCsv.Open(paths.BoatlogDatabase, filter).Holding(slot);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteBusy or SqliteLocked)
        {
            slot.Dispose();
            return ApiProblem.Create(StatusCodes.Status503ServiceUnavailable, "The boat log is locked by a writer; try again in a moment.");
        }
        catch (SqliteException ex)
        {
            slot.Dispose();
            return ApiProblem.Create(StatusCodes.Status500InternalServerError, $"The boat log database cannot be read: {ex.Message}");
        }
    }
}
