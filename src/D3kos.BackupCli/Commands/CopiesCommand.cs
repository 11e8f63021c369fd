using System.CommandLine;
using System.Globalization;

namespace D3kos.BackupCli;

internal static class CopiesCommand
{
    public static Command Build(CliConsole console)
    {
        var target = Arguments.Word(new Argument<string>("TARGET") { Description = "A configured target's name (Backup__Targets__N__Name)." });
        return new Command("copies", "List the copies a target holds, newest first (a bucket is listed over the network), with the address to import each; "
            + "a copy this Pi did not send is marked, and retention never deletes it.")
        {
            target,
        }.Runs(console, context => RunAsync(context, context.Value(target)));
    }

    private static async Task<int> RunAsync(CommandContext context, string target)
    {
        var copies = await context.Services.Copier.ListCopiesAsync(target, context.Cancellation);
        if (copies.Count == 0)
        {
            await context.Say($"No copies on '{target}'.");
            return ExitCodes.Ok;
        }
        foreach (var copy in copies)
        {
            await context.Say(string.Create(CultureInfo.InvariantCulture,
                $"{HumanSize.Format(copy.SizeBytes),6}  {copy.ModifiedAt:yyyy-MM-dd HH:mm:ss}Z  {copy.Address}{(copy.SentByThisPi ? "" : "  (not sent by this Pi)")}"));
        }
        return ExitCodes.Ok;
    }
}
