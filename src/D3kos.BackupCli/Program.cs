using System.Runtime.InteropServices;

namespace D3kos.BackupCli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // The walks hold a descriptor per folder level: a deep tree must not run out of them.
        D3kos.Common.Hosting.ProcessSettings.RaiseOpenFileLimit();
        var console = CliConsole.FromProcess();
        // The first Ctrl+C (or SIGTERM) cancels the running operation, which removes what it began and
        // releases the lock; a second one ends the process at once, as the owner then expects.
        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopOnce);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopOnce);
        try
        {
            return await CliApp.InvokeAsync(args, console, stop.Token);
        }
        catch (Exception exception)
        {
            // Commands map their own failures (CommandAction); this is for one before any command ran.
            var (code, sentence) = ExitCodes.Describe(exception);
            await console.Error.WriteLineAsync($"Error: {sentence}");
            return code;
        }

        void StopOnce(PosixSignalContext signal)
        {
            if (!stop.IsCancellationRequested)
            {
                signal.Cancel = true;
                stop.Cancel();
            }
        }
    }
}
