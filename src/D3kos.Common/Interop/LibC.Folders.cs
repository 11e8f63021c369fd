using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// Folders opened, listed, made and renamed through descriptors, never by following a symlink.
public static partial class LibC
{
    /// <summary>A folder to walk: not through a symlink in its last component; false when it is gone or no longer a folder.</summary>
    public static bool TryOpenFolder(string path, [NotNullWhen(true)] out DirectoryHandle? folder) =>
        TryFolder(Open(path, Flags.OpenReadOnly | Flags.OpenDirectory | Flags.OpenNoFollow | Flags.OpenCloseOnExec), path, out folder);

    /// <summary>A subfolder to walk, as <see cref="TryOpenFolder(string, out DirectoryHandle?)"/>.</summary>
    public static bool TryOpenFolder(DirectoryHandle parent, string name, [NotNullWhen(true)] out DirectoryHandle? folder) =>
        TryFolder(OpenAt(parent.Fd, name, Flags.OpenReadOnly | Flags.OpenDirectory | Flags.OpenNoFollow | Flags.OpenCloseOnExec), name, out folder);

    private static bool TryFolder(int fd, string name, out DirectoryHandle? folder)
    {
        folder = fd >= 0 ? new DirectoryHandle(fd) : null;
        // Removed, or swapped for a file or a symlink, since it was listed.
        return fd >= 0 || (Marshal.GetLastPInvokeError() is NoSuchEntry or NotADirectory or SymlinkLoop
            ? false : throw Error($"Cannot open the folder '{name}'"));
    }

    /// <summary>Receives one name of a folder listing, as the file system's bytes.</summary>
    public delegate void FolderNameVisitor(ReadOnlySpan<byte> name, FolderEntryKind kind);

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The names in an open folder (not "." or ".."), in the order the file system keeps them, with the kind
    /// the listing gives. A name that is not UTF-8 comes as <see cref="FolderEntryKind.NotUtf8"/> with an
    /// empty name: a string cannot name it again, and two such names could decode to the same one.
    /// </summary>
    public static void ListFolder(DirectoryHandle folder, List<FolderEntry> into) =>
        ListFolder(folder, (name, kind) =>
        {
            string decoded;
            try
            {
                decoded = StrictUtf8.GetString(name);
            }
            catch (ArgumentException)
            {
                into.Add(new FolderEntry("", FolderEntryKind.NotUtf8));
                return;
            }
            into.Add(new FolderEntry(decoded, kind));
        });

    /// <summary>
    /// The names in an open folder as the file system's bytes. getdents64 on the descriptor itself: .NET's
    /// enumeration would open the folder again by path and stat it, three more calls per folder of a tree of
    /// tens of thousands of files. Reads the descriptor's position to the end, so a folder is listed once per opening.
    /// </summary>
    public static unsafe void ListFolder(DirectoryHandle folder, FolderNameVisitor visit)
    {
        const int RecordLength = DirentLayout.RecordLength, TypeAt = DirentLayout.Type, NameAt = DirentLayout.Name;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            fixed (byte* start = buffer)
            {
                while (true)
                {
                    var got = GetDents64(folder.Fd, start, (nuint)buffer.Length);
                    if (got == 0)
                    {
                        return;
                    }
                    if (got < 0)
                    {
                        if (Marshal.GetLastPInvokeError() == Interrupted)
                        {
                            continue;
                        }
                        throw Error("Cannot list a folder");
                    }
                    for (var at = 0; at < got;)
                    {
                        var record = new ReadOnlySpan<byte>(start + at, (int)got - at);
                        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLength..]);
                        var name = record[NameAt..length];
                        name = name[..name.IndexOf((byte)0)];
                        if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                        {
                            visit(name, record[TypeAt] switch
                            {
                                DirentLayout.TypeUnknown => FolderEntryKind.Unknown,
                                DirentLayout.TypeFolder => FolderEntryKind.Folder,
                                DirentLayout.TypeFile => FolderEntryKind.File,
                                DirentLayout.TypeSymlink => FolderEntryKind.Symlink,
                                _ => FolderEntryKind.Other,
                            });
                        }
                        at += length;
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Back to the start of an open folder, for another listing of it (getdents64 reads on from where it stopped).</summary>
    public static void Rewind(DirectoryHandle folder)
    {
        if (LSeek(folder.Fd, 0, Flags.SeekSet) < 0)
        {
            throw Error("Cannot read a folder again");
        }
    }

    /// <summary>
    /// Opens a folder by walking its path from / one component at a time with O_NOFOLLOW: no component
    /// may be a symlink, so another user who owns a folder on the way cannot redirect what root does
    /// there. With <paramref name="createMissing"/>, missing folders are made (0755) and given the owner
    /// of the folder they are made in, as a user's own tree should stay theirs.
    /// </summary>
    public static DirectoryHandle OpenDirectoryNoFollow(string absolutePath, bool createMissing = false)
    {
        var fd = Open("/", Flags.OpenReadOnly | Flags.OpenDirectory | Flags.OpenCloseOnExec);
        if (fd < 0)
        {
            throw Error("Cannot open /");
        }
        var walked = "";
        foreach (var name in absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            walked += "/" + name;
            if (name is "." or "..")
            {
                _ = Close(fd);
                throw new IOException($"'{absolutePath}' has a '.' or '..' component: refused.");
            }
            var flags = Flags.OpenReadOnly | Flags.OpenDirectory | Flags.OpenNoFollow | Flags.OpenCloseOnExec;
            var next = OpenAt(fd, name, flags);
            if (next < 0 && createMissing && Marshal.GetLastPInvokeError() == NoSuchEntry)
            {
                next = MakeAndOpen(fd, name, walked, flags);
            }
            if (next < 0)
            {
                var failure = Error($"Cannot open the folder '{walked}' without following a symlink");
                _ = Close(fd);
                throw failure;
            }
            _ = Close(fd);
            fd = next;
        }
        return new DirectoryHandle(fd);
    }

    /// <summary>
    /// Makes a missing folder in the open folder <paramref name="parentFd"/> and opens it; the new folder
    /// gets the parent's owner (only one this call made: a folder someone else made meanwhile is left as
    /// it is). Returns -1 with errno set when it cannot; closes <paramref name="parentFd"/> only on an exception.
    /// </summary>
    private static int MakeAndOpen(int parentFd, string name, string walked, int flags)
    {
        FileStat owner;
        try
        {
            owner = StatFd(parentFd);
        }
        catch
        {
            _ = Close(parentFd);
            throw;
        }
        var made = MkdirAt(parentFd, name, 0b111_101_101) == 0;
        if (!made && Marshal.GetLastPInvokeError() != AlreadyExists)
        {
            var failure = Error($"Cannot make the folder '{walked}'");
            _ = Close(parentFd);
            throw failure;
        }
        var fd = OpenAt(parentFd, name, flags);
        if (fd >= 0 && made)
        {
            _ = FChown(fd, owner.Uid, owner.Gid);
        }
        return fd;
    }

    /// <summary>Opens a folder inside an open folder (openat(2)), refusing a symlink in its place.</summary>
    public static DirectoryHandle OpenSubfolderNoFollow(DirectoryHandle parent, string name)
    {
        var fd = OpenAt(parent.Fd, name, Flags.OpenReadOnly | Flags.OpenDirectory | Flags.OpenNoFollow | Flags.OpenCloseOnExec);
        return fd >= 0 ? new DirectoryHandle(fd) : throw Error($"Cannot open the folder '{name}' without following a symlink");
    }

    /// <summary>rename(2) between two folders opened without following symlinks; the names are single components.</summary>
    public static void RenameAt(DirectoryHandle from, string fromName, DirectoryHandle to, string toName)
    {
        if (RenameAtNative(from.Fd, fromName, to.Fd, toName) != 0)
        {
            throw Error($"Cannot rename '{fromName}' to '{toName}'");
        }
    }

    /// <summary>
    /// Makes a subfolder (0700 until its own mode is set; one already there is fine) and opens it without
    /// following a symlink: a name that is a symlink or a file fails.
    /// </summary>
    public static DirectoryHandle MakeSubfolder(DirectoryHandle parent, string name)
    {
        if (MkdirAt(parent.Fd, name, 0b111_000_000) != 0 && Marshal.GetLastPInvokeError() != AlreadyExists)
        {
            throw Error($"Cannot make the folder '{name}'");
        }
        return OpenSubfolderNoFollow(parent, name);
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);

    // glibc's wrapper (2.30 and later; Raspberry Pi OS bookworm has 2.36) spares a per-architecture syscall number.
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static unsafe partial nint GetDents64(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(int dirFd, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAtNative(int fromDirFd, string fromName, int toDirFd, string toName);
}
