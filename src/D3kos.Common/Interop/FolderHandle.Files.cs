using Microsoft.Win32.SafeHandles;

namespace D3kos.Common.Interop;

// What a folder's names are and hold: stat, links, files opened or made by name, never through a symlink.
public sealed partial class FolderHandle
{
    /// <summary>This folder itself (statx with AT_EMPTY_PATH).</summary>
    public FileStat Stat() => FileStat.Fstat(this);

    /// <summary>
    /// lstat of a name here: the kernel looks up one name, not every folder of a long path again (a tenth
    /// of a many-file backup's time went there); false when nothing is there (ENOENT, ENOTDIR), as a walk
    /// meets what was removed meanwhile.
    /// </summary>
    public bool TryStat(string name, out FileStat stat) => FileStat.TryStatx(this, name, out stat);

    /// <summary>A symlink's target, read by its name here (readlinkat): no path walked again.</summary>
    public unsafe string ReadLink(string name)
    {
        var buffer = new byte[4096];
        nint length;
        fixed (byte* start = buffer)
        {
            length = LibC.ReadLinkAt(this, name, start, (nuint)buffer.Length);
        }
        return length >= 0 ? System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length) : throw LibC.OpenError(name);
    }

    /// <summary>
    /// Opens a file here to read it, refusing a symlink (ELOOP), never waiting on a FIFO (O_NONBLOCK, which
    /// regular files ignore), and without the flock that .NET's FileStream takes on every open.
    /// </summary>
    public SafeFileHandle OpenRead(string name) =>
        LibC.FileOrThrow(LibC.OpenAt(this, name, UnixFile.ReadFlags), name);

    /// <summary>
    /// Makes a new file here for writing (O_EXCL: never an existing name, never through a symlink), mode 0600
    /// until <see cref="UnixFile.SetOwnerModeAndTime"/> gives it its own.
    /// </summary>
    public SafeFileHandle CreateFile(string name) =>
        LibC.FileOrThrow(LibC.OpenAtWithMode(this, name, UnixFile.CreateFlags, UnixFile.CreateMode), name);

    /// <summary>Owner, mode and modification time of this folder, as <see cref="UnixFile.SetOwnerModeAndTime"/> sets a file's.</summary>
    public void SetOwnerModeAndTime(int uid, int gid, UnixFileMode mode, DateTimeOffset modified) =>
        UnixFile.SetOwnerModeAndTime(this, uid, gid, mode, modified);

    /// <summary>Flushes this folder's entries (fsync): what makes a rename into it survive a power cut.</summary>
    public void Flush()
    {
        if (LibC.Fsync(this) != 0)
        {
            throw LibC.Error("Cannot flush a folder");
        }
    }
}
