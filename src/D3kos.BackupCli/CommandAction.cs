using System.CommandLine;

namespace D3kos.BackupCli;

/// <summary>
/// How every command runs: every failure ends as one sentence and a documented exit code (ExitCodes), never a
/// stack trace; Ctrl+C cancels the operation, which removes what it had begun and releases the lock on its way
/// out, and then says so in one sentence (exit 130).
/// </summary>
internal static class CommandAction
{
    /// <param name="recoverFirst">Clean up after a killed run first (a stale partial file, a cut-off restore): for the commands that change backups.</param>
    /// <param name="stopped">The sentence after Ctrl+C: what did not happen, and that nothing was left behind.</param>
    public static Command Runs(this Command command, CliConsole console, Func<CommandContext, Task<int>> run, bool recoverFirst = false, string? stopped = null)
    {
        command.SetAction(async (parse, cancellation) =>
        {
            using var context = new CommandContext(console, parse, cancellation);
            try
            {
                if (recoverFirst)
                {
                    context.Services.Backups.RecoverAfterCrash(progress: context.Progress("Finishing the last restore"));
                    context.ClearProgress();
                }
                return await run(context);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                context.ClearProgress();
                await console.Error.WriteLineAsync($"Stopped: {stopped ?? $"'{command.Name}' was cancelled and changed nothing."}");
                return ExitCodes.Interrupted;
            }
            catch (Exception exception)
            {
                context.ClearProgress();
                var (code, sentence) = ExitCodes.Describe(exception);
                await console.Error.WriteLineAsync($"Error: {sentence}");
                return code;
            }
        });
        return command;
    }
}
