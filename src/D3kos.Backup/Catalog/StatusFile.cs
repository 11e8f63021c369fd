using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using D3kos.Common.Files;
using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>
/// The small JSON files in the backups folder that say what the schedule and the copies last did. They are
/// a report, not the backups: one that cannot be read is treated as absent, one that cannot be written is
/// logged and the operation it reports on still counts.
/// </summary>
internal static partial class StatusFile
{
    public static T? Read<T>(string path, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            using var file = File.OpenRead(path);
            return JsonSerializer.Deserialize(file, type);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void Write<T>(string path, T value, JsonTypeInfo<T> type, ILogger logger)
    {
        try
        {
            AtomicFile.WriteJson(path, value, type);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            NotWritten(logger, path, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the status file {Path}: {Reason}")]
    private static partial void NotWritten(ILogger logger, string path, string reason);
}
