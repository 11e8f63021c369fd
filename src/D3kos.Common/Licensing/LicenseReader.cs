using System.Text.Json;
using D3kos.Common.Files;

namespace D3kos.Common.Licensing;

/// <summary>What the license file says right now, or why it cannot be used.</summary>
public sealed record LicenseState(int Tier, string? InstallationId, string? Error)
{
    public bool IsUsable => Error is null;
}

/// <summary>
/// Reads /opt/d3kos/config/license.json. The file is re-read whenever its size or time stamp
/// changes, so a tier upgrade takes effect without restarting the service.
/// </summary>
public sealed class LicenseReader(D3kosRoot root)
{
    public const string PiPath = "/opt/d3kos/config/license.json";

    private readonly ChangedFileCache<LicenseState> _file = new(root.Resolve(PiPath), Parse);

    public string FilePath => _file.Path;

    public LicenseState Read() =>
        _file.TryRead(out var state) ? state : new LicenseState(0, null, "License file not found");

    /// <summary>The one license parser: what a license file says (a live one here, or a staged one during a restore).</summary>
    public static LicenseState Parse(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var rootElement = document.RootElement;
            if (rootElement.ValueKind != JsonValueKind.Object)
            {
                return new LicenseState(0, null, "License file is not a JSON object");
            }
            string? installationId = rootElement.TryGetProperty("installation_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
            // "2", null, true or [1] is no tier, exactly like 2.5: only a JSON number 0 to 3 is one.
            if (!rootElement.TryGetProperty("tier", out var tierElement) || tierElement.ValueKind != JsonValueKind.Number
                || !tierElement.TryGetInt32(out var tier) || tier is < 0 or > 3)
            {
                return new LicenseState(0, installationId, "License file has no valid tier (0 to 3)");
            }
            return new LicenseState(tier, installationId, null);
        }
        catch (JsonException)
        {
            return new LicenseState(0, null, "License file cannot be parsed");
        }
        catch (IOException ex)
        {
            return new LicenseState(0, null, $"License file cannot be read: {ex.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            return new LicenseState(0, null, "License file cannot be read: permission denied");
        }
    }
}
