namespace D3kos.Backup;

/// <summary>
/// One backup or restore at a time, across the API and the CLI: an exclusive lock on a file in the
/// backups folder (flock underneath), released by the kernel if the holder dies.
/// </summary>
public sealed class BackupLock : IDisposable
{
    private readonly FileStream _handle;

    private BackupLock(FileStream handle) => _handle = handle;

    public static BackupLock Acquire(BackupPaths paths)
    {
        paths.EnsureBackupsFolder();
        try
        {
            return new BackupLock(new FileStream(paths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new BackupException(BackupError.Busy, "Another backup or restore is running; try again when it has finished.", ex);
        }
    }

    public void Dispose() => _handle.Dispose();
}
