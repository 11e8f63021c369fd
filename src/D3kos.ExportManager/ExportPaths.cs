using D3kos.Common.Files;

namespace D3kos.ExportManager;

/// <summary>Every file the export manager reads or owns, resolved under the file-system root.</summary>
public sealed class ExportPaths(D3kosRoot root)
{
    public D3kosRoot Root { get; } = root;
    public string StateFolder { get; } = root.Resolve(ExportStateFiles.Folder);
    public string QueueFile => Path.Combine(StateFolder, ExportStateFiles.Queue);
    public string HistoryFile => Path.Combine(StateFolder, ExportStateFiles.History);
    public string ExportFiles => Path.Combine(StateFolder, "exports");
    public string FailedExports => Path.Combine(StateFolder, "failed_exports");

    public string DataFolder { get; } = root.Resolve("/opt/d3kos/data");
    public string BoatlogDatabase { get; } = root.Resolve("/opt/d3kos/data/boatlog/boatlog.db");
    public string CapturesDatabase { get; } = root.Resolve("/opt/d3kos/data/marine-vision/captures.db");
    public string MaintenanceLog { get; } = root.Resolve("/opt/d3kos/data/maintenance-log.json");
    public string Onboarding { get; } = root.Resolve("/opt/d3kos/config/onboarding.json");
    public string UserPreferences { get; } = root.Resolve("/opt/d3kos/config/user-preferences.json");

    /// <summary>The path of an export file by its name; the name never carries a folder.</summary>
    public string ExportFile(string fileName) => Path.Combine(ExportFiles, Path.GetFileName(fileName));

    public string FailedExportFile(string fileName) => Path.Combine(FailedExports, Path.GetFileName(fileName));
}
