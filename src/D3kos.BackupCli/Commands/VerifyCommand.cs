using System.CommandLine;
using D3kos.Backup;

namespace D3kos.BackupCli;

internal static class VerifyCommand
{
    public static Command Build(CliConsole console)
    {
        var file = BackupFile.Argument("A backup's name as 'list' shows it, or the path of any backup file (on a stick, a download).");
        return new Command("verify", "Check every file of a backup against its manifest's checksums.") { file }
            .Runs(console, context => RunAsync(context, context.Value(file)), recoverFirst: true);
    }

    private static async Task<int> RunAsync(CommandContext context, string file)
    {
        var backups = context.Services.Backups;
        var report = BackupFile.Outside(file, backups.Paths) is { } path
            ? backups.VerifyFile(path, cancellationToken: context.Cancellation)
            : backups.Verify(Path.GetFileName(file), cancellationToken: context.Cancellation);
        if (report.Valid && report.Legacy)
        {
            await context.Say($"OK (legacy): {report.FilesChecked} files read, the gzip checksum is good and every entry passes the restore's checks");
            await context.Say($"Note: {VerifyReport.LegacyNote}");
            return ExitCodes.Ok;
        }
        if (report.Valid)
        {
            await context.Say($"OK: {report.FilesChecked} files match the manifest");
            return ExitCodes.Ok;
        }
        foreach (var error in report.Errors)
        {
            await context.Say($"INVALID: {error}");
        }
        return ExitCodes.InvalidArchive;
    }
}
