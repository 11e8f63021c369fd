using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// A USB stick or disk mounted on the Pi. Copies go to its "d3kos-backups" folder, opened once per use of
/// the target without following a symlink (<see cref="DriveFolder"/>): the copy is written, read back and
/// listed, and retention deletes, through that one handle. Nothing else on the drive is ever touched.
/// </summary>
internal sealed class DriveTarget(CopyTargetOptions target, string mountPath, string cardFolder) : ICopyTarget
{
    public const string FolderName = "d3kos-backups";

    private const int BufferSize = 1 << 16;

    private FolderHandle? _folder;

    public string Name => target.Name;

    public string Kind => target.Kind;

    public string Location => target.Path;

    public Task<SentCopy> UploadAsync(CopySource source, IReadOnlyList<string> sentEarlier, BackupProgress? progress, CancellationToken cancellationToken) => Say(CopyConsequence.Copy, async () =>
    {
        // The passphrase first: without it nothing is made on the drive, not even the copies folder.
        _ = source.Passphrase;
        return await new DriveCopyWriter(target, Folder(create: true)!).WriteAsync(source, sentEarlier, cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    public Task<T> DownloadAsync<T>(string copyName, Func<CopyDownload, CancellationToken, Task<T>> receive, BackupProgress? progress, CancellationToken cancellationToken) =>
        Say(CopyConsequence.Import, async () =>
        {
            var folder = Folder(create: false);
            if (folder is null || !IsCopyName(copyName) || !FileStat.TryLstat(Path.Combine(folder.ProcPath, copyName), out var stat) || !stat.IsRegularFile)
            {
                throw new BackupException(BackupError.NotFound,
                    $"The drive '{target.Name}' has no copy {BackupPaths.Printable(copyName)}; 'd3kos-backup copies {target.Name}' lists them. Nothing was imported.");
            }
            // Opened without following a symlink: a link planted under a copy's name is not read as one.
            await using var file = new FileStream(folder.OpenRead(copyName), FileAccess.Read, BufferSize);
            Stream content = progress is null ? file : new ProgressReadStream(file, progress, BackupProgress.Fetching);
            await using (content.ConfigureAwait(false))
            {
                // The copy was read back when it was written; the import checks the archive itself.
                return await receive(new CopyDownload(content, file.Length, null), cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);

    public Task<IReadOnlyList<TargetCopy>> ListAsync(CancellationToken cancellationToken) => Say(CopyConsequence.Look, () =>
    {
        if (Folder(create: false) is not { } folder)
        {
            return Task.FromResult<IReadOnlyList<TargetCopy>>([]);
        }
        // Only plain files: a symlink on the stick (dangling or not) is not a copy and does not break the list.
        IReadOnlyList<TargetCopy> copies = [.. Copies(folder.ProcPath)
            .Select(name => (Name: name, Stat: FileStat.TryLstat(Path.Combine(folder.ProcPath, name), out var stat) ? stat : (FileStat?)null))
            .Where(entry => entry.Stat is { IsRegularFile: true })
            .Select(entry => new TargetCopy(entry.Name, entry.Stat!.Value.Size, entry.Stat.Value.ModifiedAt, Path.Combine(mountPath, FolderName, entry.Name)))];
        return Task.FromResult(copies);
    }, cancellationToken);

    public Task DeleteAsync(string copyName, CancellationToken cancellationToken) => Say(CopyConsequence.Look, () =>
    {
        if (!IsCopyName(copyName))
        {
            throw new BackupException(BackupError.InvalidInput, $"'{BackupPaths.Printable(copyName)}' is not the name of a copy of a backup.");
        }
        if (Folder(create: false) is { } folder)
        {
            BackupCatalog.Delete(Path.Combine(folder.ProcPath, copyName));
            folder.Flush();
        }
        return Task.FromResult(true);
    }, cancellationToken);

    public async Task<TargetLook> LookAsync(CancellationToken cancellationToken)
    {
        try
        {
            return new TargetLook([.. (await ListAsync(cancellationToken).ConfigureAwait(false)).Select(copy => copy.Name)], null);
        }
        catch (BackupException failure)
        {
            return new TargetLook(null, failure.Message);
        }
    }

    /// <summary>The copies in the folder, newest first (by the backup's name, which is the order of making).</summary>
    public static IReadOnlyList<string> Copies(string folder) => Directory.Exists(folder)
        ? CopyNames.NewestFirst(Directory.EnumerateFiles(folder).Select(path => Path.GetFileName(path)))
        : [];

    private static bool IsCopyName(string name) => !name.Contains('/', StringComparison.Ordinal) && CopyNames.NewestFirst([name]).Count == 1;

    /// <summary>The copies folder, opened at the first use and kept open for every later one.</summary>
    private FolderHandle? Folder(bool create) => _folder ??= DriveFolder.Open(target, mountPath, cardFolder, create);

    private Task<T> Say<T>(CopyConsequence consequence, Func<Task<T>> work, CancellationToken cancellationToken) =>
        CopyFailures.SayAsync(work, exception => DriveFailures.Explain(exception, target, consequence), cancellationToken);

    public ValueTask DisposeAsync()
    {
        _folder?.Dispose();
        return ValueTask.CompletedTask;
    }
}
