using D3kos.Common.Files;
using D3kos.ExportManager.Exports;
using D3kos.ExportManager.Queue;

namespace D3kos.ExportManager.Upload;

/// <summary>
/// Delivers into a folder (file:// targets): a sync tool or a USB stick picks the files up from there.
/// On the same file system it is a hard link, so the card holds one copy of the bytes; elsewhere an
/// atomic copy. Named by queue id with the stored form's extension (<c>.json.gz</c> or <c>.json</c>),
/// so a repeated attempt overwrites itself.
/// </summary>
public sealed class FileDropUploader(string folder) : ICentralUploader
{
    public string Folder { get; } = folder;

    public Task<UploadOutcome> UploadAsync(QueueEntry entry, string exportFilePath, CancellationToken cancellationToken)
    {
        AtomicFile.LinkOrCopy(exportFilePath, Path.Combine(Folder, entry.Id + ExportFiles.ExtensionOf(exportFilePath)));
        return Task.FromResult(UploadOutcome.Delivered);
    }
}
