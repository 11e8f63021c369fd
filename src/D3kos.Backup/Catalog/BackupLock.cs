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
    /// The backup lock, waiting up to <paramref name="patience"/> for it: for the short step at the end of an
    /// import (naming and retention), which should not throw away a large upload because a backup is running.
    /// </summary>
    public static Task<BackupLock> AcquireAsync(BackupPaths paths, TimeSpan patience, CancellationToken cancellationToken) =>
        WaitForAsync(() => Acquire(paths), patience, cancellationToken);

    /// <summary>
    /// One copy to a target at a time, on a lock of its own: a copy to a slow stick takes minutes and only
    /// reads a backup, so it does not hold up backups and restores (a backup retention deletes while it is
    /// copied stays readable through the open file until the copy ends).
    /// </summary>
    public static BackupLock AcquireCopy(BackupPaths paths) =>
        Acquire(paths, paths.CopyLockFile, "Another copy is running; try again when it has finished.");

    /// <summary>
    /// Held, shared, by every import (upload, CLI import) while it receives and checks its partial files,
    /// which it does without the backup lock: a multi-GB upload must not block backups for its length.
    /// </summary>
    public static Task<BackupLock> AcquireImportAsync(BackupPaths paths, CancellationToken cancellationToken) =>
        // Held exclusively only for the moment a starting program removes dead imports' files.
        WaitForAsync(() => Acquire(paths, paths.ImportLockFile, "The backups folder is being cleaned up by a program that is starting; try the import again.", FileShare.ReadWrite),
            TimeSpan.FromSeconds(5), cancellationToken);

    /// <summary>Tries <paramref name="acquire"/> every 200 ms while it finds the lock busy, for up to <paramref name="patience"/>; then its Busy stands.</summary>
    private static async Task<BackupLock> WaitForAsync(Func<BackupLock> acquire, TimeSpan patience, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return acquire();
            }
            catch (BackupException ex) when (ex.Error == BackupError.Busy && waited.Elapsed < patience)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }

    /// <summary>
    /// The import lock alone, for removing what killed imports left: null while an import is running
    /// (its partial files are alive then).
    /// </summary>
    public static BackupLock? TryAcquireNoImports(BackupPaths paths)
    {
        try
        {
            return Acquire(paths, paths.ImportLockFile, "An import is running.", FileShare.None);
        }
        catch (BackupException ex) when (ex.Error == BackupError.Busy)
        {
            return null;
        }
    }

    /// <param name="share">None: an exclusive flock; otherwise .NET takes a shared one (LOCK_SH), which any number of holders can have.</param>
    private static BackupLock Acquire(BackupPaths paths, string file, string busy, FileShare share = FileShare.None)
    {
        paths.EnsureBackupsFolder();
        try
        {
            return new BackupLock(new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, share));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new BackupException(BackupError.Busy, busy, ex);
        }
    }

    public void Dispose() => _handle.Dispose();
}
