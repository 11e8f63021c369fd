using System.CommandLine;
using D3kos.Backup;

namespace D3kos.BackupCli;

internal static class ImportCommand
{
    public static Command Build(CliConsole console)
    {
        var source = Arguments.Word(new Argument<string>("FILE")
        {
            Description = "The path of a backup made on another device or a copy from a drive (an encrypted .gpg copy is opened with "
                + "the passphrase set here), or s3://BUCKET/PREFIX/NAME to bring a copy back from a configured S3 target's bucket "
                + "('copies TARGET' lists the addresses).",
        });
        return new Command("import", "Take a backup made elsewhere into this Pi's backups, checked whole first.") { source }
            .Runs(console, context => RunAsync(context, context.Value(source)), recoverFirst: true,
                stopped: "nothing was imported; the partial file was removed.");
    }

    private static async Task<int> RunAsync(CommandContext context, string source)
    {
        BackupInfo info;
        if (source.StartsWith("s3://", StringComparison.Ordinal))
        {
            await context.Say($"Fetching {source} ...");
            info = await context.Services.Copier.ImportFromBucketAsync(source, context.Services.Backups, context.Cancellation, context.Progress("Fetching"));
            context.ClearProgress();
        }
        else
        {
            await using var stream = File.OpenRead(source);
            info = await context.Services.Backups.ImportAsync(stream, context.Cancellation);
        }
        await context.Say($"Imported as {info.Filename} ({HumanSize.Format(info.SizeBytes)})");
        return ExitCodes.Ok;
    }
}
