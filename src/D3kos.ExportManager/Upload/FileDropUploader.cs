using D3kos.Common.Files;
using D3kos.ExportManager.Queue;

namespace D3kos.ExportManager.Upload;

/// <summary>
/// Delivers by atomic copy into a folder (file:// targets): a sync tool or a USB stick picks the
/// files up from there. The copy is named by queue id, so a repeated attempt overwrites itself.
/// </summary>
public sealed class FileDropUploader(string folder) : ICentralUploader
{
    public string Folder { get; } = folder;

    public Task<UploadOutcome> UploadAsync(QueueEntry entry, string exportFilePath, CancellationToken cancellationToken)
    {
        AtomicFile.Copy(exportFilePath, Path.Combine(Folder, entry.Id + ".json"));
        return Task.FromResult(UploadOutcome.Delivered);
    }
}
