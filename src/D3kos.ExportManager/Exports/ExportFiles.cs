namespace D3kos.ExportManager.Exports;

/// <summary>The two forms an export file has on the card: gzip since streaming exports, plain JSON before.</summary>
public static class ExportFiles
{
    public const string PlainExtension = ".json";

    public static bool IsCompressed(string path) => path.EndsWith(ExportFileWriter.Extension, StringComparison.Ordinal);

    /// <summary>The extension a delivered copy keeps, so the receiver knows what it holds.</summary>
    public static string ExtensionOf(string path) => IsCompressed(path) ? ExportFileWriter.Extension : PlainExtension;

    /// <summary>Export files in a folder, of either form.</summary>
    public static IEnumerable<FileInfo> In(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles("*" + PlainExtension).Concat(new DirectoryInfo(folder).EnumerateFiles("*" + ExportFileWriter.Extension));
}
