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

    /// <summary>Writes the value with every secret-named member redacted, at every depth (<see cref="SecretRedaction"/>).</summary>
    public void WriteValue(Utf8JsonWriter writer, string propertyName)
    {
        if (Document is null)
        {
            return;
        }
        writer.WritePropertyName(propertyName);
        SecretRedaction.WriteRedacted(Document.RootElement, writer);
    }

    public void Dispose() => Document?.Dispose();
}
