using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>The log messages of BackupManager, with stable event ids.</summary>
public sealed partial class BackupManager
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Backup {File} created: {Size} bytes, {Files} files, {Ms} ms")]
        public static partial void Created(ILogger logger, string file, long size, int files, long ms);

        [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Retention deleted {File}")]
        public static partial void RetentionDeleted(ILogger logger, string file);

        [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "{Reason}; trying again (attempt {Attempt})")]
        public static partial void SourceChangedRetry(ILogger logger, string reason, int attempt);

        [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Not backed up: {What}")]
        public static partial void Ignored(ILogger logger, string what);

        [LoggerMessage(EventId = 327, Level = LogLevel.Information, Message = "Not backed up either: {Count} more like these")]
        public static partial void IgnoredMore(ILogger logger, int count);

        [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "Backup {File} deleted")]
        public static partial void Deleted(ILogger logger, string file);

        [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Uploaded backup kept as {File}")]
        public static partial void Imported(ILogger logger, string file);

        [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "Removed {Path}, left by a backup that did not finish")]
        public static partial void StaleRemoved(ILogger logger, string path);

        [LoggerMessage(EventId = 307, Level = LogLevel.Error, Message = "Could not finish or roll back an interrupted restore; the journal stays and the next start tries again")]
        public static partial void RecoveryFailed(ILogger logger, Exception exception);
    
        [LoggerMessage(EventId = 308, Level = LogLevel.Information, Message = "The state replaced by the restore of {Restored} is kept in {Safety} ({Ms} ms); its set-aside folders were removed")]
        public static partial void OldStateKept(ILogger logger, string safety, string restored, long ms);

        [LoggerMessage(EventId = 309, Level = LogLevel.Error, Message = "The state replaced by the restore of {Restored} could not be kept in a safety backup; its folders stay set aside")]
        public static partial void OldStateNotKept(ILogger logger, string restored, Exception exception);

        [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "The previous copy of a restore could not be removed yet; the next start tries again")]
        public static partial void CleanUpLeft(ILogger logger, Exception exception);
    }
}
