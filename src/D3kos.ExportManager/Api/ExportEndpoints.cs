using D3kos.Common.Hosting;
using D3kos.Common.Licensing;
using D3kos.Common.Security;
using D3kos.ExportManager.Exports;
using D3kos.ExportManager.Queue;
using Microsoft.AspNetCore.Http.HttpResults;

namespace D3kos.ExportManager.Api;

/// <summary>Health, status and the full export (the boat log's own export is with the boat-log endpoints).</summary>
public static class ExportEndpoints
{
    private const int DefaultPort = 8094;

    public static IEndpointRouteBuilder MapExports(this IEndpointRouteBuilder app)
    {
        app.MapD3kosHealth("export-manager");
        var group = app.MapGroup("/export").WithTags("Exports");
        group.MapMethods("/status", GetAndHead.Methods, Status).AllowAnonymous();
        group.MapPost("/generate", Generate).RequireExportTier();
        return app;
    }

    private static Ok<StatusResponse> Status(HttpContext context, LicenseReader licenseReader, QueueStore queue, QueueProcessor processor, ExportBuilder builder)
    {
        var license = licenseReader.Read();
        var port = context.Connection.LocalPort is > 0 and var local ? local : DefaultPort;
        return TypedResults.Ok(new StatusResponse(
            true, "export-manager", port, license.Tier, TierGate.Refusal(license) is null, license.Error, queue.Stats(), processor.LastRun, builder.LastWarnings));
    }

    private static Ok<GenerateResponse> Generate(ExportService exports)
    {
        var (built, entry) = exports.GenerateFull();
        return TypedResults.Ok(new GenerateResponse(true, built.ExportId, built.File.FileName, entry.Id, built.Count, built.Warnings));
    }
}
