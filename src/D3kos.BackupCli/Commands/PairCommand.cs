using System.CommandLine;
using D3kos.Common.Security;

namespace D3kos.BackupCli;

internal static class PairCommand
{
    public static Command Build(CliConsole console)
    {
        var url = Arguments.Word(new Argument<string?>("URL")
        {
            Description = "The helm's address as the phone reaches it (default http://HOSTNAME.local).",
            Arity = ArgumentArity.ZeroOrOne,
        });
        return new Command("pair", "Print a one-time link that signs a phone or tablet in to the owner's page; it works once, for Auth:PairingLifetime (10 minutes by default).") { url }
            .Runs(console, context => RunAsync(context, context.Value(url) ?? $"http://{Environment.MachineName}.local"));
    }

    private static async Task<int> RunAsync(CommandContext context, string helm)
    {
        if (!Uri.TryCreate(helm, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"{helm} is not an http:// or https:// address of the helm.");
        }
        var sessions = context.Services.Sessions;
        if (!sessions.TokenConfigured)
        {
            await context.Console.Error.WriteLineAsync("Error: no access token is configured on this Pi (deploy/install.sh makes one), so nobody can be signed in.");
            return ExitCodes.Configuration;
        }
        var (code, expires) = sessions.NewPairingCode();
        var link = address.GetLeftPart(UriPartial.Authority) + PairingLink.PathFor(code);
        var minutes = (int)Math.Round((expires - DateTimeOffset.UtcNow).TotalMinutes);
        await context.Say($"Open this link on the phone or tablet before {expires.ToLocalTime():HH:mm} (valid {minutes} minutes); it works once:");
        await context.Say($"  {link}");
        // On a terminal the phone's camera reads it off the screen; a pipe or a log gets the link alone.
        if (context.Console.OutIsTerminal)
        {
            await context.Say("Or scan this with the phone's camera:");
            await context.Console.Out.WriteAsync(PairingQr.TerminalBlocks(link));
        }
        return ExitCodes.Ok;
    }
}
