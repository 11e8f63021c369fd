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
