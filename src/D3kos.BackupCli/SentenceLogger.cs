using Microsoft.Extensions.Logging;

namespace D3kos.BackupCli;

/// <summary>
/// The library's warnings as the owner reads them: "Warning: removed what a stopped backup left." rather
/// than the console logger's "warn: D3kos.Backup.BackupManager[306]" lines meant for the journal.
/// </summary>
internal sealed class SentenceLoggerProvider(TextWriter error) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new SentenceLogger(error);

    public void Dispose()
    {
    }

    private sealed class SentenceLogger(TextWriter error) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var label = logLevel >= LogLevel.Error ? "Error" : "Warning";
            // The exception's own words only: its stack trace is for the journal, not the owner.
            var reason = exception is null ? "" : $" ({exception.Message.TrimEnd('.')})";
            error.WriteLine($"{label}: {formatter(state, exception).TrimEnd('.')}{reason}.");
        }
    }
}
