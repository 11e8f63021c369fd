using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;

namespace D3kos.BackupCli;

/// <summary>
/// The command line: parsing, help and errors come from System.CommandLine; each command is a file of its own
/// in Commands/. A line it cannot parse names what is wrong, suggests the command meant, and exits 2.
/// </summary>
internal static class CliApp
{
    public const string Name = "d3kos-backup";

    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("Backs up, checks, restores and copies the d3kOS boat's configuration and data. "
            + "FILE is a backup's name as 'list' shows it (d3kos_backup_YYYYMMDD_HHMMSS.tar.gz) or, where a command takes any file, a path.")
        {
            CreateCommand.Build(console),
            ListCommand.Build(console),
            VerifyCommand.Build(console),
            RestoreCommand.Build(console),
            ImportCommand.Build(console),
            CopiesCommand.Build(console),
            DeleteCommand.Build(console),
            CopyCommand.Build(console),
            StatusCommand.Build(console),
            EmailCommand.Build(console),
            KeyCommand.Build(console),
            SecretCommand.Build(console),
            CentralSecretCommand.Build(console),
            PairCommand.Build(console),
        };
        root.Add(HelpCommand.Build(root));
        var help = root.Options.OfType<HelpOption>().Single();
        var showHelp = new HelpWithExitCodes((HelpAction)help.Action!);
        help.Action = showHelp;
        // Without a command: the help, as with --help.
        root.SetAction(showHelp.Invoke);
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args, CliConsole console, CancellationToken cancellation)
    {
        var parse = Build(console).Parse(args);
        if (parse.Action is ParseErrorAction errors)
        {
            // The error and the command it resembles, not the whole help: the newcomer's line stays on screen.
            errors.ShowHelp = false;
        }
        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            // Program handles Ctrl+C: a command finishes its clean-up however long that takes.
            ProcessTerminationTimeout = null,
        };
        var code = await parse.InvokeAsync(configuration, cancellation);
        if (parse.Action is ParseErrorAction)
        {
            await console.Error.WriteLineAsync($"Run '{Name} --help' to see the commands, or '{Name} COMMAND --help' for one.");
            return ExitCodes.Usage;
        }
        return code;
    }

    /// <summary>The library's help, and under the top-level one the exit codes (one table, in <see cref="ExitCodes"/>).</summary>
    private sealed class HelpWithExitCodes(HelpAction help) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            help.Invoke(parseResult);
            if (parseResult.CommandResult.Command is RootCommand)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Exit codes:");
                foreach (var (code, meaning) in ExitCodes.Meanings)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {code,-5}{meaning}"));
                }
                output.WriteLine();
            }
            return ExitCodes.Ok;
        }
    }
}
