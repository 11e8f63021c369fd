using D3kos.Backup;
using D3kos.Common.Hosting;

namespace D3kos.BackupApi;

/// <summary>How each library failure reaches the web UI: the exception handler answers with this status and the exception's sentence.</summary>
internal static class BackupProblems
{
    public static ExpectedFailure Failure { get; } = new(ex => ex is BackupException backup ? Status(backup.Error) : null);

    private static int Status(BackupError error) => error switch
    {
        BackupError.Busy => StatusCodes.Status409Conflict,
        BackupError.DiskFull => StatusCodes.Status507InsufficientStorage,
        BackupError.NotFound => StatusCodes.Status404NotFound,
        BackupError.InvalidName or BackupError.ConfirmationNeeded or BackupError.InvalidInput => StatusCodes.Status400BadRequest,
        BackupError.PassphraseNeeded => StatusCodes.Status409Conflict,
        BackupError.WrongPassphrase => StatusCodes.Status422UnprocessableEntity,
        BackupError.TargetUnavailable => StatusCodes.Status503ServiceUnavailable,
        BackupError.InvalidArchive or BackupError.UnsafeArchive => StatusCodes.Status422UnprocessableEntity,
        BackupError.TooLarge => StatusCodes.Status413PayloadTooLarge,
        BackupError.SourceChanged => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}
