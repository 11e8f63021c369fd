using Microsoft.Extensions.Hosting;

namespace D3kos.Common.Hosting;

/// <summary>
/// How a service ends when it cannot start or run: one sentence on standard error (journald keeps it,
/// at priority err), never an unhandled exception's stack trace and SIGABRT. A configuration error exits
/// with 78 (EX_CONFIG), which the units list in RestartPreventExitStatus: restarting cannot fix it.
/// </summary>
public static class ServiceExit
{
    public const int ConfigurationError = 78;
    public const int Failed = 1;

    /// <summary>Runs the service; HostAbortedException is the test host stopping us on purpose and passes through.</summary>
    public static int Run(string service, Action run)
    {
        try
        {
            run();
            return 0;
        }
        catch (Exception exception) when (exception is not HostAbortedException)
        {
            var error = FatalError.Describe(exception);
            // "<3>" is syslog's err: journald reads the prefix on a service's standard error stream.
            var prefix = JournalPriority.ToJournal ? JournalPriority.Prefix(Serilog.Events.LogEventLevel.Error) : "";
            Console.Error.WriteLine($"{prefix}{service} cannot run: {error.Sentence}");
            return error.Kind == FatalErrorKind.Configuration ? ConfigurationError : Failed;
        }
    }
}
