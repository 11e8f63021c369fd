using System.Text.Json.Serialization;
using D3kos.Common.Hosting;

namespace D3kos.ExportManager.Queue;

/// <summary>The states an entry moves through; completed and failed entries live in the history. Stored and sent as snake-case strings.</summary>
[JsonConverter(typeof(NamesOnly<QueueStatus>))]
public enum QueueStatus
{
    [JsonStringEnumMemberName("pending")]
    Pending,

    [JsonStringEnumMemberName("retry")]
    Retry,

    [JsonStringEnumMemberName("completed")]
    Completed,

    [JsonStringEnumMemberName("failed")]
    Failed,
}
