using System.Text.Json.Nodes;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using D3kos.Common.Licensing;

namespace D3kos.Backup;

/// <summary>
/// Restoring another boat's backup onto this Pi must not clone that boat's identity: the staged
/// license keeps this installation's id unless the owner asks otherwise.
/// </summary>
internal static class InstallationIdentity
{
    public static string LicenseMember => LicenseReader.PiPath.TrimStart('/');

    /// <returns>True when the staged license was changed.</returns>
    public static bool KeepCurrent(string liveLicense, string stagedLicense)
    {
        if (!File.Exists(liveLicense) || !File.Exists(stagedLicense))
        {
            return false;
        }
        string? currentId;
        JsonNode? staged;
        try
        {
            currentId = JsonNode.Parse(File.ReadAllText(liveLicense))?["installation_id"]?.GetValue<string>();
            staged = JsonNode.Parse(File.ReadAllText(stagedLicense));
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
        if (currentId is null || staged is not JsonObject license || license["installation_id"]?.ToString() == currentId)
        {
            return false;
        }
        license["installation_id"] = currentId;
        var mode = File.GetUnixFileMode(stagedLicense);
        var stat = LibC.Stat(stagedLicense);
        AtomicFile.Write(stagedLicense, stream =>
        {
            using var writer = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Indented = true });
            license.WriteTo(writer);
        });
        File.SetUnixFileMode(stagedLicense, mode);
        LibC.SetOwner(stagedLicense, stat.Uid, stat.Gid);
        return true;
    }
}
