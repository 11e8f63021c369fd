using System.Text.Json.Serialization;

namespace D3kos.Common.Hosting;

/// <summary>The primitive values problem extensions carry, for the AOT serializer.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class CommonJsonContext : JsonSerializerContext;
