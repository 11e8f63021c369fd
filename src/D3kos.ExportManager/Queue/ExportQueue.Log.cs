using Microsoft.Extensions.Logging;

namespace D3kos.ExportManager.Queue;

/// <summary>The log messages of ExportQueue, with stable event ids.</summary>
public sealed partial class ExportQueue
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Queued export {Id} ({File})")]
        public static partial void Queued(ILogger logger, string id, string file);

        [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Export {Id} is now {Status} after {Attempts} attempt(s); last error: {Error}")]
        public static partial void Attempted(ILogger logger, string id, QueueStatus status, int attempts, string error);

        [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Queue file was broken and moved to {MovedTo} ({Problem}); {Recovered} entries recovered")]
        public static partial void CorruptFile(ILogger logger, string movedTo, string problem, int recovered);

        [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Could not write the queue to disk; will write again on the next change")]
        public static partial void SaveFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Queue loaded: {Active} active, {History} in history")]
        public static partial void Loaded(ILogger logger, int active, int history);

        [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Pruned {File}")]
        public static partial void Pruned(ILogger logger, string file);

        [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Upgraded a queue file of d3kOS v0.9.1.2 (original kept as {Original}): {Entries} entries carried over, {Skipped} unreadable elements skipped; {Problem}")]
        public static partial void Upgraded(ILogger logger, string original, int entries, int skipped, string problem);

        [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Could not move {File} to failed_exports")]
        public static partial void MoveFailed(ILogger logger, string file, Exception exception);
    }
}
