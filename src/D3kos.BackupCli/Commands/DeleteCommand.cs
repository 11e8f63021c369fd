using System.CommandLine;

namespace D3kos.BackupCli;

internal static class DeleteCommand
{
    public static Command Build(CliConsole console)
    {
        var file = BackupFile.Argument("The backup's name as 'list' shows it.");
        return new Command("delete", "Delete a backup from this Pi.") { file }
            .Runs(console, context => RunAsync(context, context.Value(file)), recoverFirst: true);
    }

    private static async Task<int> RunAsync(CommandContext context, string file)
    {
        var backups = context.Services.Backups;
        var name = BackupFile.Held(file, backups.Paths,
            $"{file} is not one of this Pi's backups (they are in {backups.Paths.BackupsFolder}); nothing was deleted.");
        backups.Delete(name);
        await context.Say($"Deleted {name}");
        return ExitCodes.Ok;
    }
}
