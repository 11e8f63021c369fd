using D3kos.Common.Files;
using D3kos.ExportManager.Exports;

namespace D3kos.ExportManager.Queue;

/// <summary>The export files' housekeeping: failed ones set aside, old ones pruned.</summary>
internal static class ExportFileJanitor
{
    /// <summary>Deletes the export files (*.json, *.json.gz) older than the cutoff that may go; returns what it deleted.</summary>
    public static List<string> DeleteOlderThan(string folder, DateTimeOffset cutoff, Func<string, bool> mayDelete)
    {
        var deleted = new List<string>();
        if (!Directory.Exists(folder))
        {
            return deleted;
        }
        foreach (var file in ExportFiles.In(folder).ToList())
        {
            if (file.LastWriteTimeUtc < cutoff.UtcDateTime && mayDelete(file.Name))
            {
                file.Delete();
                deleted.Add(file.FullName);
            }
        }
        return deleted;
    }

    /// <summary>Moves a failed export's file to failed_exports/; returns the error when it could not.</summary>
    public static IOException? MoveToFailedFolder(ExportPaths paths, string exportFile)
    {
        var source = paths.ExportFile(exportFile);
        if (!File.Exists(source))
        {
            return null;
        }
        try
        {
            Directory.CreateDirectory(paths.FailedExports);
            AtomicFile.MoveDurably(source, paths.FailedExportFile(exportFile), overwrite: true);
            return null;
        }
        catch (IOException ex)
        {
            return ex;
        }
    }
}
