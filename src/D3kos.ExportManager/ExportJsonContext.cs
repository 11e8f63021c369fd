using System.Text.Json.Serialization;
using D3kos.ExportManager.Api;
using D3kos.ExportManager.Queue;

namespace D3kos.ExportManager;

/// <summary>Every type the export manager puts on the wire or on disk, in one visible place (snake_case).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(QueueDocument))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
[JsonSerializable(typeof(QueueEntry))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(GenerateResponse))]
[JsonSerializable(typeof(BoatlogExportResponse))]
[JsonSerializable(typeof(QueueResponse))]
[JsonSerializable(typeof(ProcessResponse))]
[JsonSerializable(typeof(HistoryResponse))]
[JsonSerializable(typeof(BoatlogTypesResponse))]
internal sealed partial class ExportJsonContext : JsonSerializerContext;
