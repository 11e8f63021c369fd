using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

internal sealed partial class RestoreEngine
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Restored {File}: {Files} files; services down for {DowntimeMs} ms; keeping the old state next")]
        public static partial void Restored(ILogger logger, string file, int files, long downtimeMs);

        [LoggerMessage(EventId = 311, Level = LogLevel.Error, Message = "Restore failed during the swap; rolling back")]
        public static partial void RollingBack(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "Found an interrupted restore of {File} in phase {Phase}; recovering")]
        public static partial void Recovering(ILogger logger, string file, RestorePhase phase);
    }
}
