using System.CommandLine;

namespace D3kos.BackupCli;

internal static class KeyCommand
{
    public static Command Build(CliConsole console) =>
        new Command("key", "The passphrase that encrypts the copies leaving the Pi.")
        {
            new Command("set", "Set the passphrase, at least 12 characters (typed twice on a terminal, or the first line of standard input). It is kept 0600 in /opt/d3kos/config/backup-passphrase, never in a backup; copies made before keep the old one.").Runs(console, SetAsync),
            new Command("status", "Say whether a passphrase is set (never shows it).").Runs(console, StatusAsync),
        };

    private static async Task<int> SetAsync(CommandContext context)
    {
        var passphrase = await SecretInput.ReadAsync(context, "New passphrase for encrypted copies (keep it somewhere off the boat too): ", confirm: true);
        context.Services.Passphrase.Set(passphrase);
        await context.Say("Passphrase set. Copies made from now on are encrypted with it; keep a copy of it off the boat.");
        return ExitCodes.Ok;
    }

    private static async Task<int> StatusAsync(CommandContext context)
    {
        await context.Say(context.Services.Passphrase.IsSet
            ? "A passphrase is set."
            : "No passphrase is set: encrypted copies cannot be made or opened (d3kos-backup key set).");
        return ExitCodes.Ok;
    }
}
