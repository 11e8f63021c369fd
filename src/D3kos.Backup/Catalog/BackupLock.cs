namespace D3kos.Backup;

/// <summary>
/// One backup or restore at a time, across the API and the CLI: an exclusive lock on a file in the
/// backups folder (flock underneath), released by the kernel if the holder dies.
/// </summary>
public sealed class BackupLock : IDisposable
{
    private readonly FileStream _handle;

    private BackupLock(FileStream handle) => _handle = handle;

    public static BackupLock Acquire(BackupPaths paths) =>
        Acquire(paths, paths.LockFile, "Another backup or restore is running; try again when it has finished.");

    /// <summary>
    /// One copy to a target at a time, on a lock of its own: a copy to a slow stick takes minutes and only
    /// reads a backup, so it does not hold up backups and restores (a backup retention deletes while it is
    /// copied stays readable through the open file until the copy ends).
    /// </summary>
    public static BackupLock AcquireCopy(BackupPaths paths) =>
        Acquire(paths, paths.CopyLockFile, "Another copy is running; try again when it has finished.");

    private static BackupLock Acquire(BackupPaths paths, string file, string busy)
    {
        paths.EnsureBackupsFolder();
        try
        {
            return new BackupLock(new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new BackupException(BackupError.Busy, busy, ex);
        }
    }

    public void Dispose() => _handle.Dispose();
}
