using System.CommandLine;
using D3kos.Backup;

namespace D3kos.BackupCli;

/// <summary>What a running command has: its parsed line, the console, the library (built on first use) and Ctrl+C.</summary>
internal sealed class CommandContext(CliConsole console, ParseResult parse, CancellationToken cancellation) : IDisposable
{
    private CliServices? _services;

    public CliConsole Console => console;

    public ParseResult Parse => parse;

    /// <summary>Cancelled by the first Ctrl+C or SIGTERM; a second one ends the process at once.</summary>
    public CancellationToken Cancellation => cancellation;

    public CliServices Services => _services ??= new CliServices(console);

    public T Value<T>(Argument<T> argument) => parse.GetValue(argument)!;

    public T Value<T>(Option<T> option) => parse.GetValue(option)!;

    public Task Say(string line) => console.Out.WriteLineAsync(line);

    /// <summary>Progress on a terminal only: a log or a pipe gets the plain lines.</summary>
    public BackupProgress? Progress(string label) =>
        console.ErrorIsTerminal
            ? new BackupProgress(progress => console.Error.Write(progress.Total > 0
                ? $"\r{char.ToUpperInvariant(progress.Phase[0])}{progress.Phase[1..]}: {HumanSize.Format(progress.Done)} of {HumanSize.Format(progress.Total)}\u001b[K"
                : $"\r{label}: {progress.Phase}...\u001b[K"))
            : null;

    /// <summary>Clears the progress line, so the next sentence (a result or a failure) starts clean.</summary>
    public void ClearProgress()
    {
        if (console.ErrorIsTerminal)
        {
            console.Error.Write("\r\u001b[K");
        }
    }

    public void Dispose() => _services?.Dispose();
}
