using Serilog.Core;
using Serilog.Events;

namespace D3kos.Common.Hosting;

/// <summary>
/// journald reads a "&lt;N&gt;" syslog prefix at the start of each line a service writes (SyslogLevelPrefix=
/// yes, the default), and without one files every line at priority 6: `journalctl -p err` would show
/// none of the services' errors. Under systemd (JOURNAL_STREAM is set) each log line gets its level's
/// prefix; on a terminal, nothing.
/// </summary>
public sealed class JournalPriority : ILogEventEnricher
{
    public const string Property = "JournalPriority";

    public static bool ToJournal { get; } = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 };

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(Property, ToJournal ? Prefix(logEvent.Level) : ""));

    public static string Prefix(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => "<2>",
        LogEventLevel.Error => "<3>",
        LogEventLevel.Warning => "<4>",
        LogEventLevel.Information => "<6>",
        _ => "<7>",
    };
}
