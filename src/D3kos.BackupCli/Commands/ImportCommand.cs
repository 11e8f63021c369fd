using System.CommandLine;
using System.Globalization;
using D3kos.Backup;

namespace D3kos.BackupCli;

internal static class ImportCommand
{
    public static Command Build(CliConsole console)
    {
        var source = Arguments.Word(new Argument<string>("FILE")
        {
            Description = "The path of a backup made on another device or a copy from a drive (an encrypted .gpg copy is opened with "
                + "the passphrase set here), s3://BUCKET/PREFIX/NAME to bring a copy back from a configured S3 target's bucket, "
                + "or TARGET:ID for a snapshot of a repository target ('copies TARGET' lists the addresses).",
        });
        return new Command("import", "Take a backup made elsewhere into this Pi's backups, checked whole first.") { source }
            .Runs(console, context => RunAsync(context, context.Value(source)), recoverFirst: true,
                stopped: "nothing was imported; the partial file was removed.");
    }

    private static async Task<int> RunAsync(CommandContext context, string source)
    {
        ImportResult imported;
        if (source.StartsWith("s3://", StringComparison.Ordinal) || (BackupCopier.IsSnapshotAddress(source) && !File.Exists(source)))
        {
            await context.Say($"Fetching {source} ...");
            imported = await context.Services.Copier.ImportFromBucketAsync(source, context.Services.Backups, context.Cancellation, context.Progress("Fetching"));
            context.ClearProgress();
        }
        else
        {
            await using var stream = File.OpenRead(source);
            // A stick is as open to others as a bucket: the file's name is checked against its content too.
            imported = await context.Services.Backups.ImportAsync(stream, context.Cancellation, copyName: Path.GetFileName(source));
        }
        await context.Say($"Imported as {imported.Backup.Filename} ({HumanSize.Format(imported.Backup.SizeBytes)}), {Made(imported)}");
        return ExitCodes.Ok;
    }

    /// <summary>When and where the backup was really made, from its manifest: what the owner restores by, not a name.</summary>
    private static string Made(ImportResult imported)
    {
        if (imported.MadeAt?.ToUniversalTime() is not { } at)
        {
            return "made at a time it does not record (a d3kOS v0.9.1.2 backup)";
        }
        var made = string.Create(CultureInfo.InvariantCulture, $"made {at:yyyy-MM-dd HH:mm:ss}Z");
        return imported.MadeHere ? $"{made} on this Pi"
            : imported.InstallationId is { } id ? $"{made} by another installation (id {id})"
            : $"{made} by an installation it does not name";
    }
}
