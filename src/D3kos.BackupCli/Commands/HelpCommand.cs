using System.CommandLine;

namespace D3kos.BackupCli;

/// <summary>'d3kos-backup help' and 'd3kos-backup help restore': the same help as --help, for those who type it as a word.</summary>
internal static class HelpCommand
{
    public static Command Build(RootCommand root)
    {
        var words = new Argument<string[]>("COMMAND") { Description = "The command to explain.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("help", "Show the help of d3kos-backup or of one command.") { words };
        command.SetAction(parse => root.Parse([.. parse.GetValue(words) ?? [], "--help"]).Invoke(parse.InvocationConfiguration));
        return command;
    }
}
