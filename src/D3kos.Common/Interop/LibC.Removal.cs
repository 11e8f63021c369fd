using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// Removing a tree by the names' own bytes (unlinkat, renameat), which also takes names that are not UTF-8.
public static partial class LibC
{
    /// <summary>
    /// Removes a name that is not a folder (a file, a symlink itself, anything else) from an open folder;
    /// true also when it is already gone, false when it is a folder (EISDIR), which needs <see cref="TryRemoveFolder"/>.
    /// Names are the file system's bytes: a removal must take names that are not UTF-8 too.
    /// </summary>
    public static unsafe bool TryUnlink(DirectoryHandle folder, ReadOnlySpan<byte> name)
    {
        int result;
        fixed (byte* path = Terminated(name))
        {
            result = UnlinkAtRaw(folder.Fd, path, 0);
        }
        if (result == 0)
        {
            return true;
        }
        return Marshal.GetLastPInvokeError() switch
        {
            NoSuchEntry => true,
            Errno.IsADirectory => false,
            _ => throw Error("Cannot remove a file"),
        };
    }

    /// <summary>Removes an empty folder by name from an open folder; true also when it is gone, false when it is not empty.</summary>
    public static unsafe bool TryRemoveFolder(DirectoryHandle parent, ReadOnlySpan<byte> name)
    {
        int result;
        fixed (byte* path = Terminated(name))
        {
            result = UnlinkAtRaw(parent.Fd, path, Flags.AtRemoveDir);
        }
        if (result == 0)
        {
            return true;
        }
        return Marshal.GetLastPInvokeError() switch
        {
            NoSuchEntry => true,
            Errno.NotEmpty => false,
            NotADirectory => TryUnlink(parent, name), // swapped for a file or a link meanwhile: the name goes
            _ => throw Error("Cannot remove a folder"),
        };
    }

    /// <summary><see cref="TryOpenFolder(DirectoryHandle, string, out DirectoryHandle?)"/> by the name's bytes.</summary>
    public static unsafe bool TryOpenFolder(DirectoryHandle parent, ReadOnlySpan<byte> name, [NotNullWhen(true)] out DirectoryHandle? folder)
    {
        int fd;
        fixed (byte* path = Terminated(name))
        {
            fd = OpenAtRaw(parent.Fd, path, Flags.OpenReadOnly | Flags.OpenDirectory | Flags.OpenNoFollow | Flags.OpenCloseOnExec);
        }
        return TryFolder(fd, "a folder", out folder);
    }

    /// <summary>renameat(2) of a name (as bytes) to a plain name, between two open folders; false when the name is gone.</summary>
    public static unsafe bool TryRenameAt(DirectoryHandle from, ReadOnlySpan<byte> fromName, DirectoryHandle to, string toName)
    {
        int result;
        fixed (byte* path = Terminated(fromName))
        {
            result = RenameAtRaw(from.Fd, path, to.Fd, toName);
        }
        return result == 0 || (Marshal.GetLastPInvokeError() == NoSuchEntry ? false : throw Error($"Cannot move a folder to '{toName}'"));
    }

    private static byte[] Terminated(ReadOnlySpan<byte> name)
    {
        var terminated = new byte[name.Length + 1];
        name.CopyTo(terminated);
        return terminated;
    }

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static unsafe partial int UnlinkAtRaw(int dirFd, byte* name, int flags);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static unsafe partial int OpenAtRaw(int dirFd, byte* name, int flags);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int RenameAtRaw(int fromDirFd, byte* fromName, int toDirFd, string toName);
}
