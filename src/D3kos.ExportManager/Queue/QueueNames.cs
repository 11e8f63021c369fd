using System.Text.Json;

namespace D3kos.ExportManager.Queue;

/// <summary>The wire names of the queue's enums, from their one definition (the JsonStringEnumMemberName attributes on <see cref="ExportType"/> and <see cref="QueueStatus"/>).</summary>
public static class QueueNames
{
    public static string Of(ExportType type) => JsonSerializer.Serialize(type, ExportJsonContext.Default.ExportType)[1..^1];

    /// <summary>A state or type as written by another program (the Python queue), or null when it is none of ours.</summary>
    public static T? Parse<T>(string? text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : struct, Enum
    {
        if (text is null)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(JsonSerializer.Serialize(text, ExportJsonContext.Default.String), type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
