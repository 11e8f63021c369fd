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
        group.MapPost("/email/test", TestEmail);
        group.MapPut("/passphrase", SetPassphrase);
        group.MapGet("/targets/{target}/copies", Copies);
        group.MapPut("/targets/{target}/secret", SetSecret);
        // The same operations as jobs with progress, for the owner's page (BackupJobs).
        group.MapPost("/jobs/create", StartCreate);
        group.MapPost("/jobs/verify/{filename}", StartVerify);
        group.MapPost("/jobs/restore", StartRestore);
        group.MapPost("/jobs/copy", StartCopy);
        group.MapPost("/jobs/import", StartImport);
        group.MapGet("/jobs/{id}", Job);
        return app;
    }

    private static async Task<Ok<CreateResponse>> Create(BackupManager backups) =>
        TypedResults.Ok(await Task.Run(() => CreateNow(backups, null)));

    private static CreateResponse CreateNow(BackupManager backups, BackupProgress? progress)
    {
        var result = backups.Create(progress);
        return new CreateResponse(true, result.FileName, result.SizeBytes, result.Path, result.Sha256,
            result.FileCount, result.DurationMs, result.SourcesSkipped);
    }

    private static Ok<IReadOnlyList<BackupInfo>> List(BackupManager backups) => TypedResults.Ok(backups.List());

    private static PhysicalFileHttpResult Download(BackupManager backups, string filename)
    {
        var path = backups.PathOf(filename);
        return TypedResults.PhysicalFile(path, "application/gzip", fileDownloadName: filename, enableRangeProcessing: true);
    }

    private static async Task<Ok<VerifyResponse>> Verify(BackupManager backups, string filename) =>
        TypedResults.Ok(await Task.Run(() => VerifyNow(backups, filename, null)));

    private static VerifyResponse VerifyNow(BackupManager backups, string filename, BackupProgress? progress)
    {
        var report = backups.Verify(filename, progress);
        return new VerifyResponse(true, filename, report.Valid, report.FilesChecked, report.Errors, report.Legacy,
            report.Legacy ? VerifyReport.LegacyNote : null);
    }

    private static async Task<Results<Ok<RestoreResponse>, ProblemHttpResult>> Restore(BackupManager backups, RestoreRequest request) =>
        RefusedRestore(request) is { } refused ? refused : TypedResults.Ok(await Task.Run(() => RestoreNow(backups, request, null)));

    private static ProblemHttpResult? RefusedRestore(RestoreRequest request) =>
        string.IsNullOrEmpty(request.BackupFile) ? ApiProblem.BadRequest("backup_file is required.")
        : !request.Confirm ? ApiProblem.BadRequest("A restore overwrites the boat's configuration and data: send \"confirm\": true to go ahead.")
        : null;

    /// <summary>Answers when the services are back with the new files; the old state's safety backup goes on (status shows it).</summary>
    private static RestoreResponse RestoreNow(BackupManager backups, RestoreRequest request, BackupProgress? progress) =>
        RestoreResponse.From(backups.Restore(request.BackupFile!, request.ReplaceInstallationId, progress, request.AcceptNoChecksums));

    private static Accepted<JobResponse> StartCreate(BackupJobs jobs, BackupManager backups) =>
        Started(jobs.Start("create", progress => new JobResult(Create: CreateNow(backups, progress))));

    private static Accepted<JobResponse> StartVerify(BackupJobs jobs, BackupManager backups, string filename)
    {
        _ = backups.PathOf(filename); // an unknown name is 404 now, not a job that fails
        return Started(jobs.Start("verify", progress => new JobResult(Verify: VerifyNow(backups, filename, progress))));
    }

    private static Results<Accepted<JobResponse>, ProblemHttpResult> StartRestore(BackupJobs jobs, BackupManager backups, RestoreRequest request)
    {
        if (RefusedRestore(request) is { } refused)
        {
            return refused;
        }
        _ = backups.PathOf(request.BackupFile!);
        // The job is answered when the services are back, and goes on in its own phase while the old
        // state's safety backup is written; it ends with that backup kept, or with why it was not.
        return Started(jobs.Start("restore", async job =>
        {
            var result = await Task.Run(() => backups.Restore(request.BackupFile!, request.ReplaceInstallationId, job.Progress, request.AcceptNoChecksums));
            job.Answer(new JobResult(Restore: RestoreResponse.From(result)));
            await result.Keeping.Ended;
            return new JobResult(Restore: RestoreResponse.From(result));
        }));
    }

    private static Accepted<JobResponse> Started(BackupJob job) => TypedResults.Accepted($"/api/backup/jobs/{job.Id}", job.View());

    private static Results<Ok<JobResponse>, ProblemHttpResult> Job(BackupJobs jobs, string id) =>
        jobs.Find(id) is { } job ? TypedResults.Ok(job.View()) : ApiProblem.NotFound($"No job {id}: jobs are kept in memory until the backup API restarts.");

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
        return TypedResults.Ok(UploadResponse.From(await backups.ImportAsync(body, cancellationToken, recogniseHeld: true)));
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

    private static async Task<Ok<StatusResponse>> Status(AutomaticBackups automatic, BackupManager backups, BackupConditions conditions, SignalKLink signalK,
        EmailSender email, CancellationToken cancellationToken)
    {
        var status = await automatic.StatusAsync(cancellationToken);
        var problems = await Task.Run(() => conditions.Current(cancellationToken), cancellationToken);
        return TypedResults.Ok(new StatusResponse(true, problems, signalK.State, email.State(), status.Schedule, status.Targets, status.PassphraseSet, backups.OldState()));
    }

    /// <summary>
    /// Sends a test email at once: 200 when the mail server took it; otherwise a problem with the sentence
    /// saying why (400 when email is not set up, 503 when the server could not be reached or refused it).
    /// </summary>
    private static async Task<Ok<EmailTestResponse>> TestEmail(EmailSender email, CancellationToken cancellationToken)
    {
        if (await email.SendTestAsync(cancellationToken) is { } why)
        {
            throw new BackupException(email.State().Enabled ? BackupError.TargetUnavailable : BackupError.InvalidInput, $"The test email was not sent. {why}");
        }
        return TypedResults.Ok(new EmailTestResponse(true, true, email.State().To, null));
    }

    /// <summary>A copy the owner asked for runs to its end, as a job does, even when the page that asked is closed.</summary>
    private static async Task<Results<Ok<CopyResponse>, ProblemHttpResult>> Copy(BackupCopier copier, CopyRequest request) =>
        RefusedCopy(request) is { } refused ? refused : TypedResults.Ok(await CopyNowAsync(copier, request, null));

    private static ProblemHttpResult? RefusedCopy(CopyRequest request) =>
        string.IsNullOrEmpty(request.BackupFile) || string.IsNullOrEmpty(request.Target) ? ApiProblem.BadRequest("backup_file and target are required.") : null;

    private static async Task<CopyResponse> CopyNowAsync(BackupCopier copier, CopyRequest request, BackupProgress? progress)
    {
        var result = await copier.CopyAsync(request.BackupFile!, request.Target!, progress, CancellationToken.None);
        return new CopyResponse(true, result.Target, result.BackupFile, result.CopyFile, result.SizeBytes, result.Encrypted, result.DurationMs, result.Deleted);
    }

    private static Results<Accepted<JobResponse>, ProblemHttpResult> StartCopy(BackupJobs jobs, BackupManager backups, BackupCopier copier, CopyRequest request)
    {
        if (RefusedCopy(request) is { } refused)
        {
            return refused;
        }
        _ = backups.PathOf(request.BackupFile!);
        return Started(jobs.Start("copy", async progress => new JobResult(Copy: await CopyNowAsync(copier, request, progress))));
    }

    /// <summary>Brings a copy back from a configured S3 target's bucket (the address as the copies list gives it), as a job: a season's backup takes a while to come down.</summary>
    private static Results<Accepted<JobResponse>, ProblemHttpResult> StartImport(BackupJobs jobs, BackupManager backups, BackupCopier copier, ImportRequest request)
    {
        if (string.IsNullOrEmpty(request.Address))
        {
            return ApiProblem.BadRequest("address is required (s3://BUCKET/PREFIX/NAME or, for a repository target, TARGET:ID, as GET /api/backup/targets/{target}/copies gives it).");
        }
        copier.CheckBucketAddress(request.Address); // an address in no configured target is 400 now, not a job that fails
        return Started(jobs.Start("import", async progress =>
        {
            var imported = await copier.ImportFromBucketAsync(request.Address, backups, CancellationToken.None, progress, recogniseHeld: true);
            return new JobResult(Import: UploadResponse.From(imported));
        }));
    }

    /// <summary>The copies a target holds (a bucket is listed over the network, so only when asked).</summary>
    private static async Task<Ok<CopiesResponse>> Copies(BackupCopier copier, string target, CancellationToken cancellationToken) =>
        TypedResults.Ok(new CopiesResponse(true, target, await copier.ListCopiesAsync(target, cancellationToken)));

    /// <summary>Stores an S3 target's secret key (0600, this Pi only); it is never answered back.</summary>
    private static Results<Ok<SecretResponse>, ProblemHttpResult> SetSecret(BackupCopier copier, CopySecrets secrets, string target, SecretRequest request)
    {
        if (!copier.Targets.Any(t => t.Name == target && t.Kind == CopyTargetOptions.S3Kind))
        {
            return ApiProblem.BadRequest($"There is no S3 target named '{target}' (Backup:Targets, Kind s3).");
        }
        secrets.Set(target, request.SecretKey ?? "");
        return TypedResults.Ok(new SecretResponse(true, target, secrets.IsSet(target)));
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
