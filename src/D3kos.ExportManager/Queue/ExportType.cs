namespace D3kos.ExportManager.Queue;

/// <summary>What an entry exports: the whole device, or the boat log alone.</summary>
public static class ExportType
{
    public const string FullExport = "full_export";
    public const string Boatlog = "boatlog";
}
