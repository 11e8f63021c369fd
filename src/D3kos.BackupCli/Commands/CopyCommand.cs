using System.CommandLine;
using D3kos.Backup;

namespace D3kos.BackupCli;

internal static class CopyCommand
{
    public static Command Build(CliConsole console)
    {
        var file = BackupFile.Argument("The backup's name as 'list' shows it.");
        var to = new Option<string>("--to") { Description = "A configured target's name (Backup__Targets__N__Name).", Required = true };
        return new Command("copy", "Copy a backup to a configured target: a drive or S3 storage, encrypted when the target says so.") { file, to }
            .Runs(console, context => RunAsync(context, context.Value(file), context.Value(to)), recoverFirst: true,
                stopped: "the copy was cancelled; its partial file was removed and the backup is untouched.");
    }

    private static async Task<int> RunAsync(CommandContext context, string file, string target)
    {
        var backups = context.Services.Backups;
        var copier = context.Services.Copier;
        var name = BackupFile.Held(file, backups.Paths, $"{file} is not in {backups.Paths.BackupsFolder}: run 'd3kos-backup import {file}' first.");
        var result = await copier.CopyAsync(name, target, context.Progress("Copying"), context.Cancellation);
        context.ClearProgress();
        var check = copier.Targets.First(t => t.Name == result.Target).Kind == CopyTargetOptions.S3Kind ? "sent and checked" : "read back and checked";
        await context.Say(result.Format == CopyTargetOptions.RepositoryFormat
            ? $"Copied {result.BackupFile} to {result.Target} as the snapshot {result.CopyFile} ({HumanSize.Format(result.SizeBytes)} of new data before compression, encrypted by restic)"
            : $"Copied {result.BackupFile} to {result.Target} as {result.CopyFile} ({HumanSize.Format(result.SizeBytes)}, {(result.Encrypted ? "encrypted" : "not encrypted")}, {check})");
        foreach (var deleted in result.Deleted)
        {
            await context.Say($"Retention removed {deleted} from {result.Target}");
        }
        return ExitCodes.Ok;
    }
}
