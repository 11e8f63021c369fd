using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// Making writes durable: a folder's entries after a rename, or a whole file system before a swap.
public static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    /// <summary>
    /// Flushes a folder's entries, which is what makes a rename into it survive a power cut on ext4 and
    /// f2fs. Opening the folder read-only is enough for fsync on Linux; no O_DIRECTORY is needed.
    /// </summary>
    public static void FsyncDirectory(string directory)
    {
        var fd = Open(directory, Flags.OpenReadOnly | Flags.OpenCloseOnExec);
        if (fd < 0)
        {
            throw Error($"Cannot open folder '{directory}' to flush it");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw Error($"Cannot flush folder '{directory}'");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Flushes every file written on the file system that holds <paramref name="path"/> (syncfs(2)): one
    /// call instead of an fsync per file, and unlike sync() it does not wait for other disks.
    /// </summary>
    public static void SyncFileSystemOf(string path)
    {
        var fd = Open(path, Flags.OpenReadOnly | Flags.OpenCloseOnExec);
        if (fd < 0)
        {
            throw OpenError(path);
        }
        try
        {
            if (SyncFs(fd) != 0)
            {
                throw Error($"Cannot flush the file system of '{path}'");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);
}
