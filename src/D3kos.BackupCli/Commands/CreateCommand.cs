using System.CommandLine;

namespace D3kos.BackupCli;

internal static class CreateCommand
{
    public static Command Build(CliConsole console) =>
        new Command("create", "Make a backup of the boat's configuration and data.")
            .Runs(console, RunAsync, recoverFirst: true, stopped: "no backup was made; its partial files were removed and the lock released.");

    private static async Task<int> RunAsync(CommandContext context)
    {
        await context.Say("Creating d3kOS backup...");
        var result = context.Services.Backups.Create(context.Progress("Backing up"), context.Cancellation);
        context.ClearProgress();
        await context.Say($"Backup created: {result.Path}");
        await context.Say($"Size: {HumanSize.Format(result.SizeBytes)}");
        foreach (var skipped in result.SourcesSkipped)
        {
            await context.Say($"Skipped (not present): {skipped}");
        }
        return ExitCodes.Ok;
    }
}
