using D3kos.Backup;
using D3kos.Common.Hosting;
using D3kos.Common.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace D3kos.BackupApi;

/// <summary>
/// /api/backup: create, list, download, verify, restore, upload and delete backups. The library's
/// failures (<see cref="BackupException"/>) are answered by the exception handler (<see cref="BackupProblems"/>).
/// </summary>
public static class BackupEndpoints
{
    public static IEndpointRouteBuilder MapBackups(this IEndpointRouteBuilder app)
    {
        app.MapD3kosHealth("backup-api");
        var group = app.MapGroup("/api/backup").WithTags("Backups");
        group.MapPost("/create", Create);
        // The helm display shows the list without signing in; every other endpoint is the owner's (OwnerAccess).
        group.MapMethods("/list", GetAndHead.Methods, List).AllowAnonymous();
        group.MapMethods("/download/{filename}", GetAndHead.Methods, Download);
        group.MapMethods("/verify/{filename}", GetAndHead.Methods, Verify);
        group.MapPost("/restore", Restore);
        group.MapPost("/upload", Upload);
        group.MapDelete("/{filename}", Delete);
        group.MapMethods("/status", GetAndHead.Methods, Status);
        group.MapPost("/copy", Copy);
        group.MapPut("/passphrase", SetPassphrase);
        return app;
    }

    private static async Task<Ok<CreateResponse>> Create(BackupManager backups)
    {
        var result = await Task.Run(() => backups.Create());
        return TypedResults.Ok(new CreateResponse(true, result.FileName, result.SizeBytes, result.Path, result.Sha256,
            result.FileCount, result.DurationMs, result.SourcesSkipped));
    }

    private static Ok<IReadOnlyList<BackupInfo>> List(BackupManager backups) => TypedResults.Ok(backups.List());

    private static PhysicalFileHttpResult Download(BackupManager backups, string filename)
    {
        var path = backups.PathOf(filename);
        return TypedResults.PhysicalFile(path, "application/gzip", fileDownloadName: filename, enableRangeProcessing: true);
    }

    private static async Task<Ok<VerifyResponse>> Verify(BackupManager backups, string filename)
    {
        var report = await Task.Run(() => backups.Verify(filename));
        return TypedResults.Ok(new VerifyResponse(true, filename, report.Valid, report.FilesChecked, report.Errors, report.Legacy,
            report.Legacy ? VerifyReport.LegacyNote : null));
    }

    private static async Task<Results<Ok<RestoreResponse>, ProblemHttpResult>> Restore(BackupManager backups, RestoreRequest request)
    {
        if (string.IsNullOrEmpty(request.BackupFile))
        {
            return ApiProblem.BadRequest("backup_file is required.");
        }
        if (!request.Confirm)
        {
            return ApiProblem.BadRequest("A restore overwrites the boat's configuration and data: send \"confirm\": true to go ahead.");
        }
        var result = await Task.Run(() => backups.Restore(request.BackupFile, request.ReplaceInstallationId, acceptNoChecksums: request.AcceptNoChecksums));
        return TypedResults.Ok(new RestoreResponse(true, result.BackupFile, result.SafetyBackup, result.FilesRestored,
            result.SourcesRestored, result.InstallationIdKept, result.Warnings, result.DurationMs, result.DowntimeMs, result.CleanupMs));
    }

    /// <summary>Takes the archive as the raw body or as the first file of a multipart form.</summary>
    private static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> Upload(
        HttpContext context, BackupManager backups, IOptions<BackupOptions> options, CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // The library counts too; this lets Kestrel accept bodies beyond its 30 MB default.
            limit.MaxRequestBodySize = options.Value.MaxUploadBytes + 1024 * 1024;
        }
        if (context.Request.ContentLength > options.Value.MaxUploadBytes)
        {
            return ApiProblem.Create(StatusCodes.Status413PayloadTooLarge, $"The upload is larger than the {options.Value.MaxUploadBytes / (1024 * 1024)} MiB limit.");
        }
        var body = await OpenArchiveStream(context.Request, cancellationToken);
        if (body is null)
        {
            return ApiProblem.BadRequest("The multipart form holds no file.");
        }
        var info = await backups.ImportAsync(body, cancellationToken);
        return TypedResults.Ok(new UploadResponse(true, info.Filename, info.SizeBytes, info.Sha256, info.Created));
    }

    private static async Task<Stream?> OpenArchiveStream(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return request.Body;
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return null;
        }
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFileDisposition())
            {
                return section.Body;
            }
        }
        return null;
    }

    private static Ok<StatusResponse> Status(AutomaticBackups automatic)
    {
        var status = automatic.Status();
        return TypedResults.Ok(new StatusResponse(true, status.Schedule, status.Targets, status.PassphraseSet));
    }

    private static async Task<Results<Ok<CopyResponse>, ProblemHttpResult>> Copy(BackupCopier copier, CopyRequest request)
    {
        if (string.IsNullOrEmpty(request.BackupFile) || string.IsNullOrEmpty(request.Target))
        {
            return ApiProblem.BadRequest("backup_file and target are required.");
        }
        var result = await Task.Run(() => copier.Copy(request.BackupFile, request.Target));
        return TypedResults.Ok(new CopyResponse(true, result.Target, result.BackupFile, result.CopyFile, result.SizeBytes, result.Encrypted, result.DurationMs, result.Deleted));
    }

    private static Ok<PassphraseResponse> SetPassphrase(BackupPassphrase passphrase, PassphraseRequest request)
    {
        passphrase.Set(request.Passphrase ?? "");
        return TypedResults.Ok(new PassphraseResponse(true, passphrase.IsSet));
    }

    private static Ok<DeleteResponse> Delete(BackupManager backups, string filename)
    {
        backups.Delete(filename);
        return TypedResults.Ok(new DeleteResponse(true, filename));
    }
}
