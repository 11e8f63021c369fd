using System.Text.Json;

namespace D3kos.ExportManager.Exports;

/// <summary>A configuration file read whole before anything is written, so a broken one never leaves half a value in an export.</summary>
public sealed record JsonSource(JsonDocument? Document, string? Note, string? Error) : IDisposable
{
    public static JsonSource Read(string path)
    {
        if (!File.Exists(path))
        {
            return new JsonSource(null, $"{Path.GetFileName(path)} not found", null);
        }
        try
        {
            return new JsonSource(JsonDocument.Parse(File.ReadAllBytes(path)), null, null);
        }
        catch (Exception ex) when (CategoryWriter.IsSourceFault(ex))
        {
            return new JsonSource(null, null, $"{Path.GetFileName(path)} could not be read: {ex.Message}");
        }
    }

    /// <summary>Writes the value, leaving out members whose names suggest a secret.</summary>
    public void WriteValue(Utf8JsonWriter writer, string propertyName, bool withoutSecrets = false)
    {
        if (Document is null)
        {
            return;
        }
        writer.WritePropertyName(propertyName);
        var root = Document.RootElement;
        if (!withoutSecrets || root.ValueKind != JsonValueKind.Object)
        {
            root.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        foreach (var member in root.EnumerateObject().Where(m => !LooksSecret(m.Name)))
        {
            member.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    public void Dispose() => Document?.Dispose();

    private static bool LooksSecret(string name) =>
        name.Contains("key", StringComparison.OrdinalIgnoreCase)
        || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || name.Contains("token", StringComparison.OrdinalIgnoreCase)
        || name.Contains("password", StringComparison.OrdinalIgnoreCase)
        || name.Contains("credential", StringComparison.OrdinalIgnoreCase);
}
