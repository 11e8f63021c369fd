using D3kos.Common.Hosting;
using D3kos.Common.Security;
using D3kos.ExportManager.Queue;
using Microsoft.AspNetCore.Http.HttpResults;

namespace D3kos.ExportManager.Api;

/// <summary>The retry queue: what waits, what happened, and a manual push.</summary>
public static class QueueEndpoints
{
    public static IEndpointRouteBuilder MapExportQueue(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/export").WithTags("Queue");
        group.MapMethods("/queue", GetAndHead.Methods, List).AllowAnonymous();
        group.MapPost("/queue/process", Process);
        group.MapMethods("/history", GetAndHead.Methods, History).AllowAnonymous();
        return app;
    }

    private static Ok<QueueResponse> List(QueueStore queue, Microsoft.Extensions.Options.IOptions<CentralOptions> central) =>
        TypedResults.Ok(new QueueResponse(true, queue.Stats(), queue.ActiveEntries(), DeliveryKind(central.Value)));

    /// <summary>The kind only, never the address: the list is open to the helm display, and an address may name a private host.</summary>
    private static string DeliveryKind(CentralOptions central) => central.Target?.Scheme switch
    {
        "file" => "folder",
        CentralOptions.S3Scheme => "s3",
        _ => "http",
    };

    private static async Task<Results<Ok<ProcessResponse>, ProblemHttpResult>> Process(QueueProcessor processor, CancellationToken cancellationToken)
    {
        if (await processor.TryProcessNowAsync(cancellationToken) is not { } report)
        {
            return ApiProblem.Conflict("The queue is being processed right now; try again when that run ends.");
        }
        return TypedResults.Ok(new ProcessResponse(
            true, report.Processed, report.Completed, report.Retrying, report.Failed, report.StartedAt, report.FinishedAt));
    }

    private static Ok<HistoryResponse> History(QueueStore queue)
    {
        var entries = queue.HistoryEntries();
        return TypedResults.Ok(new HistoryResponse(true, entries.Count, entries));
    }
}
