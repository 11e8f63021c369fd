using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>What an S3 target tells the journal while it works: waits on a dropped line, and its clean-up.</summary>
internal static partial class S3Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The copy to {Target} broke off; resuming in {Seconds} s: {Error}")]
    public static partial void Resuming(ILogger logger, string target, int seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading a copy from {Target} broke off; resuming in {Seconds} s: {Error}")]
    public static partial void ResumingDownload(ILogger logger, string target, int seconds, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted the unfinished upload of {Copy} to {Target}, begun over a day ago")]
    public static partial void StaleUploadAborted(ILogger logger, string copy, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The copy to {Target} arrived, but the clean-up of unfinished uploads in the bucket failed: {Error}")]
    public static partial void CleanUpFailed(ILogger logger, string target, string error);
}
