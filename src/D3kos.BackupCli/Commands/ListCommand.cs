using System.CommandLine;
using System.Globalization;

namespace D3kos.BackupCli;

internal static class ListCommand
{
    public static Command Build(CliConsole console) =>
        new Command("list", "List the backups on this Pi, newest first.").Runs(console, RunAsync, recoverFirst: true);

    /// <summary>Also what 'restore' without a FILE shows.</summary>
    public static async Task<int> RunAsync(CommandContext context)
    {
        var backups = context.Services.Backups;
        var list = backups.List();
        if (list.Count == 0)
        {
            await context.Say($"No backups in {backups.Paths.BackupsFolder}");
            return ExitCodes.Ok;
        }
        foreach (var backup in list)
        {
            await context.Say(string.Create(CultureInfo.InvariantCulture,
                $"{backup.Filename,-45} {HumanSize.Format(backup.SizeBytes),6}  {backup.Created:yyyy-MM-dd HH:mm:ss}Z  {backup.Kind}"));
        }
        return ExitCodes.Ok;
    }
}
