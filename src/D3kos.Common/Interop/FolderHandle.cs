using System.Diagnostics.CodeAnalysis;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Common.Interop;

/// <summary>
/// An open folder: a descriptor opened with O_DIRECTORY and O_NOFOLLOW, and the operations on names in it
/// (openat, statx, getdents64, unlinkat, renameat), so nothing under it is looked up along a path that
/// another user could change meanwhile. There is one way to open a folder: by name relative to an open
/// one (<see cref="TryOpenFolder(string, out FolderHandle?)"/>); a path is opened by walking it that way
/// from / (<see cref="Open"/>), so no component of it may be a symlink. Being a <see cref="System.Runtime.InteropServices.SafeHandle"/>,
/// every call holds a reference for its duration: a Dispose on another thread closes the descriptor only
/// after the calls in flight return, and a later call throws <see cref="ObjectDisposedException"/> rather
/// than reaching whatever file the kernel gave the number to next.
/// </summary>
public sealed partial class FolderHandle : SafeHandleMinusOneIsInvalid
{
    private static readonly LibCConstants Flags = LibC.Flags;
    private static readonly int FolderFlags = Flags.OpenReadOnly | Flags.OpenDirectory | Flags.OpenNoFollow | Flags.OpenCloseOnExec;

    private FolderHandle(int fd) : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>
    /// A path that names this open folder (/proc/self/fd/N): lookups under it start at the folder itself,
    /// whatever has been renamed or swapped on the way to it since it was opened, so path-based APIs
    /// (FileStream, File.Move) work inside it as openat(2) would. A path holds no reference: it is good
    /// while this handle is open, which its owner ensures.
    /// </summary>
    public string ProcPath => IsClosed ? throw new ObjectDisposedException(nameof(FolderHandle)) : $"/proc/self/fd/{handle}";

    /// <summary>
    /// Opens a folder by walking <paramref name="absolutePath"/> from / one name at a time with O_NOFOLLOW:
    /// no component may be a symlink, so another user who owns a folder on the way cannot redirect what
    /// root does there. With <paramref name="createMissing"/>, missing folders are made (0755) and given the
    /// owner of the folder they are made in, as a user's own tree should stay theirs.
    /// </summary>
    public static FolderHandle Open(string absolutePath, bool createMissing = false) =>
        Walk(absolutePath, createMissing, goneIsFalse: false)!;

    /// <summary><see cref="Open"/>, false when a folder on the way is gone, or is a file or a symlink now.</summary>
    public static bool TryOpen(string absolutePath, [NotNullWhen(true)] out FolderHandle? folder) =>
        (folder = Walk(absolutePath, createMissing: false, goneIsFalse: true)) is not null;

    /// <summary>A subfolder, never through a symlink in its place; false when it is gone or no longer a folder.</summary>
    public bool TryOpenFolder(string name, [NotNullWhen(true)] out FolderHandle? folder) =>
        Opened(LibC.OpenAt(this, name, FolderFlags), name, out folder);

    /// <summary><see cref="TryOpenFolder(string, out FolderHandle?)"/> by the name's bytes, which need not be UTF-8.</summary>
    public unsafe bool TryOpenFolder(ReadOnlySpan<byte> name, [NotNullWhen(true)] out FolderHandle? folder)
    {
        fixed (byte* path = Terminated(name))
        {
            return Opened(LibC.OpenAt(this, path, FolderFlags), System.Text.Encoding.UTF8.GetString(name), out folder);
        }
    }

    /// <summary><see cref="TryOpenFolder(string, out FolderHandle?)"/> that throws with the errno whatever the failure.</summary>
    public FolderHandle OpenFolder(string name)
    {
        var fd = LibC.OpenAt(this, name, FolderFlags);
        return fd >= 0 ? new FolderHandle(fd) : throw LibC.Error($"Cannot open the folder '{name}' without following a symlink");
    }

    /// <summary>
    /// Makes a subfolder (0700 until its own mode is set; one already there is fine) and opens it without
    /// following a symlink: a name that is a symlink or a file fails.
    /// </summary>
    public FolderHandle MakeFolder(string name)
    {
        if (LibC.MkdirAt(this, name, 0b111_000_000) != 0 && LibC.LastError != Errno.AlreadyExists)
        {
            throw LibC.Error($"Cannot make the folder '{name}'");
        }
        return OpenFolder(name);
    }

    protected override bool ReleaseHandle() => LibC.Close(handle) == 0;

    /// <summary>Removed, or swapped for a file or a symlink, since it was listed or looked up.</summary>
    private static bool IsGone(int errno) => errno is Errno.NoSuchEntry or Errno.NotADirectory or Errno.SymlinkLoop;

    private static bool Opened(int fd, string name, out FolderHandle? folder)
    {
        folder = fd >= 0 ? new FolderHandle(fd) : null;
        return fd >= 0 || (IsGone(LibC.LastError) ? false : throw LibC.Error($"Cannot open the folder '{name}'"));
    }

    private static FolderHandle? Walk(string absolutePath, bool createMissing, bool goneIsFalse)
    {
        if (!absolutePath.StartsWith('/'))
        {
            throw new ArgumentException($"'{absolutePath}' is not an absolute path.", nameof(absolutePath));
        }
        var root = LibC.Open("/", Flags.OpenReadOnly | Flags.OpenDirectory | Flags.OpenCloseOnExec);
        var folder = root >= 0 ? new FolderHandle(root) : throw LibC.Error("Cannot open /");
        try
        {
            var walked = "";
            foreach (var name in absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                walked += "/" + name;
                if (name is "." or "..")
                {
                    throw new IOException($"'{absolutePath}' has a '.' or '..' component: refused.");
                }
                var fd = LibC.OpenAt(folder, name, FolderFlags);
                var next = fd >= 0 ? new FolderHandle(fd)
                    : createMissing && LibC.LastError == Errno.NoSuchEntry ? folder.MakeAndOpen(name, walked)
                    : null;
                if (next is null)
                {
                    return goneIsFalse && IsGone(LibC.LastError) ? null
                        : throw LibC.Error($"Cannot open the folder '{walked}' without following a symlink");
                }
                folder.Dispose();
                folder = next;
            }
            (var opened, folder) = (folder, null);
            return opened;
        }
        finally
        {
            folder?.Dispose();
        }
    }

    /// <summary>
    /// Makes a missing folder here and opens it; the new folder gets this folder's owner (only one this
    /// call made: a folder someone else made meanwhile is left as it is). Null with errno set when it cannot.
    /// </summary>
    private FolderHandle? MakeAndOpen(string name, string walked)
    {
        var owner = Stat();
        var made = LibC.MkdirAt(this, name, 0b111_101_101) == 0;
        if (!made && LibC.LastError != Errno.AlreadyExists)
        {
            throw LibC.Error($"Cannot make the folder '{walked}'");
        }
        var fd = LibC.OpenAt(this, name, FolderFlags);
        if (fd < 0)
        {
            return null;
        }
        var opened = new FolderHandle(fd);
        if (made)
        {
            _ = LibC.FChown(opened, owner.Uid, owner.Gid);
        }
        return opened;
    }

    private static byte[] Terminated(ReadOnlySpan<byte> name)
    {
        var terminated = new byte[name.Length + 1];
        name.CopyTo(terminated);
        return terminated;
    }
}
