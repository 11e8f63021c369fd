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
        var currentId = LicenseReader.Parse(liveLicense).InstallationId;
        if (currentId is null || LicenseReader.Parse(stagedLicense).InstallationId == currentId)
        {
            return false;
        }
        // Rewritten as a JSON tree, so every other field of the staged license stays as it was.
        if (ReadTree(stagedLicense) is not JsonObject license)
        {
            return false;
        }
        license["installation_id"] = currentId;
        var stat = FileStat.Lstat(stagedLicense);
        AtomicFile.Write(stagedLicense, stream =>
        {
            using var writer = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Indented = true });
            license.WriteTo(writer);
        });
        File.SetUnixFileMode(stagedLicense, stat.Permissions);
        UnixFile.SetOwner(stagedLicense, stat.Uid, stat.Gid);
        return true;
    }

    private static JsonNode? ReadTree(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path));
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
