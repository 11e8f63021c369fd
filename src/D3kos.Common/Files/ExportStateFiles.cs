namespace D3kos.Common.Files;

/// <summary>
/// Where the export manager keeps its queue and history, on the Pi: written by the export manager, read by
/// the backup API too, whose conditions tell the owner when exports stop reaching shore.
/// </summary>
public static class ExportStateFiles
{
    public const string Folder = "/opt/d3kos/data/exports";
    public const string Queue = "export_queue.json";
    public const string History = "export_history.json";
}
