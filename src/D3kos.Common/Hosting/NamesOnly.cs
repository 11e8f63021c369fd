using System.Text.Json;
using System.Text.Json.Serialization;

namespace D3kos.Common.Hosting;

/// <summary>
/// An enum read and written only by its names (JsonStringEnumMemberName), never as a number: a state
/// like "status": 7 in a file is refused as damage rather than loaded as a value that does not exist.
/// </summary>
public sealed class NamesOnly<T>() : JsonStringEnumConverter<T>(namingPolicy: null, allowIntegerValues: false)
    where T : struct, Enum;
