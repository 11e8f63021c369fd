using System.CommandLine;
using D3kos.Backup;

namespace D3kos.BackupCli;

internal static class SecretCommand
{
    public static Command Build(CliConsole console)
    {
        var target = Arguments.Word(new Argument<string>("TARGET") { Description = "The S3 target's name (Backup__Targets__N__Name)." });
        return new Command("secret", "The secret keys of the S3 targets, kept 0600 and never in a backup.")
        {
            new Command("set", "Set the secret key of an S3 target (typed on a terminal, or the first line of standard input).") { target }
                .Runs(console, context => SetAsync(context, context.Value(target))),
        };
    }

    private static async Task<int> SetAsync(CommandContext context, string target)
    {
        if (!context.Services.Copier.Targets.Any(t => t.Name == target && t.Kind == CopyTargetOptions.S3Kind))
        {
            throw new UsageException($"There is no S3 target named '{target}' (Backup:Targets, Kind s3).");
        }
        var secret = await SecretInput.ReadAsync(context, $"Secret key of '{target}': ");
        context.Services.Secrets.Set(target, secret);
        await context.Say($"Secret key of '{target}' set.");
        return ExitCodes.Ok;
    }
}
