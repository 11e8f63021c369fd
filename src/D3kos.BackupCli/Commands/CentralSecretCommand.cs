using System.CommandLine;
using D3kos.Common.Storage;

namespace D3kos.BackupCli;

internal static class CentralSecretCommand
{
    public static Command Build(CliConsole console) =>
        new Command("central-secret", "The secret key the export manager uses for Central:Url=s3://…, kept 0640 root:d3kos and never in a backup.")
        {
            new Command("set", "Set it (typed on a terminal, or the first line of standard input); restart d3kos-export-manager after it.")
                .Runs(console, SetAsync),
        };

    private static async Task<int> SetAsync(CommandContext context)
    {
        // The export manager reads it through the services' group, which the installer gives the token's hash file.
        if (context.Services.Sessions.ServicesGroupId is not { } group)
        {
            throw new UsageException("The services' group is unknown (the token's hash file /opt/d3kos/config/api-token.sha256 is missing): run deploy/install.sh first; nothing was changed.");
        }
        var secret = await SecretInput.ReadAsync(context, "Secret key for exports to S3 (Central:AccessKey's): ");
        try
        {
            // Group root: a machine without the d3kos user, whose services run as root; the key is then root's alone.
            CentralSecret.Write(context.Services.Backups.Paths.Root.Resolve(CentralSecret.PiFile), secret, group == 0 ? null : group);
        }
        catch (ArgumentException)
        {
            throw new UsageException("The secret key must be one line of printable characters; nothing was changed.");
        }
        await context.Say("Secret key for exports set; restart the export manager to use it (sudo systemctl restart d3kos-export-manager).");
        return ExitCodes.Ok;
    }
}
