using System.CommandLine;
using D3kos.Backup;

namespace D3kos.BackupCli;

internal static class EmailCommand
{
    public static Command Build(CliConsole console)
    {
        var email = new Command("email", "Email of problems to the owner ashore (Notify:Email in /etc/d3kos/backup.json).");
        email.Subcommands.Add(new Command("test", "Send a test email now and say plainly whether it went, and why not.").Runs(console, TestAsync));
        email.Subcommands.Add(new Command("password",
            "Set the mail account's password (typed on a terminal, or the first line of standard input); kept 0600, never in a backup, never shown again.")
            .Runs(console, PasswordAsync));
        return email;
    }

    private static async Task<int> TestAsync(CommandContext context)
    {
        var email = context.Services.Email;
        var why = await email.SendTestAsync(context.Cancellation);
        if (why is not null)
        {
            await context.Console.Error.WriteLineAsync($"Error: The test email was not sent. {why}");
            return ExitCodes.MailRefused;
        }
        await context.Say($"Sent: the mail server took the test email for {string.Join(", ", email.State().To)}.");
        return ExitCodes.Ok;
    }

    private static async Task<int> PasswordAsync(CommandContext context)
    {
        var password = await SecretInput.ReadAsync(context, "Mail account password: ");
        context.Services.NotifySecrets.Set(NotifySecrets.SmtpPassword, password);
        await context.Say("Mail account password set. Check it with 'd3kos-backup email test'.");
        return ExitCodes.Ok;
    }
}
