using System.Text.Json;
using System.Text.Json.Serialization;
using D3kos.Common.Hosting;

namespace D3kos.ExportManager.Queue;

/// <summary>What an entry exports: the whole device, or the boat log alone. Stored and sent as snake-case strings.</summary>
[JsonConverter(typeof(NamesOnly<ExportType>))]
public enum ExportType
{
    [JsonStringEnumMemberName("full_export")]
    FullExport,

    [JsonStringEnumMemberName("boatlog")]
    Boatlog,
}

/// <summary>The wire names of the queue's enums, from their one definition (the attributes above).</summary>
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
