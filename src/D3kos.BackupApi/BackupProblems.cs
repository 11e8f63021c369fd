using D3kos.Backup;
using D3kos.Common.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace D3kos.BackupApi;

/// <summary>How each library failure reaches the web UI.</summary>
internal static class BackupProblems
{
    public static ProblemHttpResult From(BackupException ex) => ApiProblem.Create(Status(ex.Error), ex.Message);

    private static int Status(BackupError error) => error switch
    {
        BackupError.Busy => StatusCodes.Status409Conflict,
        BackupError.DiskFull => StatusCodes.Status507InsufficientStorage,
        BackupError.NotFound => StatusCodes.Status404NotFound,
        BackupError.InvalidName or BackupError.ConfirmationNeeded => StatusCodes.Status400BadRequest,
        BackupError.InvalidArchive or BackupError.UnsafeArchive => StatusCodes.Status422UnprocessableEntity,
        BackupError.TooLarge => StatusCodes.Status413PayloadTooLarge,
        BackupError.SourceChanged => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
