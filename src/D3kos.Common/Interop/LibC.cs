using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Common.Interop;

/// <summary>
/// Every libc call of the services, in one place: the few POSIX calls .NET does not expose (flushing
/// a folder after a rename, owners, statx). Flags come from <see cref="LibCConstants.Current"/>, never
/// from a literal, because their numbers differ between x86-64 and the Pi's arm64. Failures become
/// <see cref="IOException"/> with the errno's name, which callers turn into one clear sentence.
/// </summary>
public static partial class LibC
{
    private static readonly LibCConstants Flags = LibCConstants.Current;

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

    /// <summary>lstat through statx: the link itself, never what it points to.</summary>
    public static FileStat Stat(string path) =>
        TryStatAt(Flags.AtFdCwd, path, Flags.AtSymlinkNoFollow, out var stat) ? stat : throw Error($"Cannot read '{path}'");

    /// <summary>lstat that says false when nothing is there (ENOENT, ENOTDIR), as a walk meets what was removed meanwhile.</summary>
    public static bool TryStat(string path, out FileStat stat)
    {
        if (TryStatAt(Flags.AtFdCwd, path, Flags.AtSymlinkNoFollow, out stat))
        {
            return true;
        }
        return Marshal.GetLastPInvokeError() is NoSuchEntry or NotADirectory ? false : throw Error($"Cannot read '{path}'");
    }

    /// <summary>
    /// <see cref="TryStat(string, out FileStat)"/> of a name in an open folder: the kernel looks up one
    /// name, not every folder of a long path again (a tenth of a many-file backup's time went there).
    /// </summary>
    public static bool TryStat(DirectoryHandle folder, string name, out FileStat stat)
    {
        if (TryStatAt(folder.Fd, name, Flags.AtSymlinkNoFollow, out stat))
        {
            return true;
        }
        return Marshal.GetLastPInvokeError() is NoSuchEntry or NotADirectory ? false : throw Error($"Cannot read '{name}'");
    }

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

    /// <summary>A symlink's target, read by its name in an open folder (readlinkat): no path walked again.</summary>
    public static unsafe string ReadLink(DirectoryHandle folder, string name)
    {
        var buffer = new byte[4096];
        nint length;
        fixed (byte* start = buffer)
        {
            length = ReadLinkAt(folder.Fd, name, start, (nuint)buffer.Length);
        }
        return length >= 0 ? System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length) : throw OpenError(name);
    }

    /// <summary><see cref="OpenReadNoFollow(string)"/> of a name in an open folder.</summary>
    public static SafeFileHandle OpenReadNoFollow(DirectoryHandle folder, string name)
    {
        var fd = OpenAt(folder.Fd, name, Flags.OpenReadOnly | Flags.OpenNoFollow | Flags.OpenNonBlock | Flags.OpenCloseOnExec);
        return fd >= 0 ? new SafeFileHandle((IntPtr)fd, ownsHandle: true) : throw OpenError(name);
    }

    /// <summary>Sets the owner without following a symlink; a non-root caller can only keep its own, so EPERM is ignored.</summary>
    public static void SetOwner(string path, int uid, int gid)
    {
        const int NotPermitted = Errno.NotPermitted;
        if (LChown(path, uid, gid) != 0 && Marshal.GetLastPInvokeError() != NotPermitted)
        {
            throw Error($"Cannot set the owner of '{path}'");
        }
    }

    /// <summary>
    /// Makes a second name for a file (link(2)); false with the errno when the file system will not,
    /// e.g. EXDEV across file systems or EPERM on vfat, so the caller can copy instead.
    /// </summary>
    public static bool TryHardLink(string existing, string newName, out int errno)
    {
        if (Link(existing, newName) == 0)
        {
            errno = 0;
            return true;
        }
        errno = Marshal.GetLastPInvokeError();
        return false;
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

    private const int NoSuchEntry = Errno.NoSuchEntry;
    private const int NotADirectory = Errno.NotADirectory;
    private const int AlreadyExists = Errno.AlreadyExists;

    /// <summary>fstat through statx: the open file itself (AT_EMPTY_PATH).</summary>
    private static FileStat StatFd(int fd) =>
        TryStatAt(fd, "", Flags.AtEmptyPath | Flags.AtSymlinkNoFollow, out var stat) ? stat : throw Error("Cannot read an open folder");

    /// <summary>The one statx call: basic fields and the mount id; false with errno set when it fails.</summary>
    private static bool TryStatAt(int dirFd, string path, int flags, out FileStat stat)
    {
        Span<byte> buffer = stackalloc byte[StatxLayout.Size];
        if (Statx(dirFd, path, flags, Flags.StatxBasicStats | Flags.StatxMountId, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            stat = default;
            return false;
        }
        stat = FileStat.FromStatx(buffer);
        return true;
    }

    /// <summary>ELOOP, the HResult of the IOException when a name opened without following is a symlink.</summary>
    public const int SymlinkLoop = Errno.SymlinkLoop;

    /// <summary>
    /// Opens a file to read it, refusing a symlink in its last component (ELOOP) and never waiting on a
    /// FIFO (O_NONBLOCK, which regular files ignore), and without the flock
    /// that .NET's FileStream takes on every open: a backup reads tens of thousands of small files.
    /// </summary>
    public static SafeFileHandle OpenReadNoFollow(string path)
    {
        var fd = Open(path, Flags.OpenReadOnly | Flags.OpenNoFollow | Flags.OpenNonBlock | Flags.OpenCloseOnExec);
        return fd >= 0 ? new SafeFileHandle((IntPtr)fd, ownsHandle: true) : throw OpenError(path);
    }

    /// <summary>
    /// Makes a new file for writing (O_EXCL: never an existing name, never through a symlink), mode 0600
    /// until <see cref="SetOwnerModeAndTime"/> gives it its own. Without flock, as above.
    /// </summary>
    public static SafeFileHandle CreateNew(string path)
    {
        var flags = Flags.OpenWriteOnly | Flags.OpenCreate | Flags.OpenExclusive | Flags.OpenNoFollow | Flags.OpenCloseOnExec;
        var fd = OpenWithMode(path, flags, 0b110_000_000);
        return fd >= 0 ? new SafeFileHandle((IntPtr)fd, ownsHandle: true) : throw OpenError(path);
    }

    /// <summary><see cref="CreateNew(string)"/> of a name in an open folder.</summary>
    public static SafeFileHandle CreateNew(DirectoryHandle folder, string name)
    {
        var flags = Flags.OpenWriteOnly | Flags.OpenCreate | Flags.OpenExclusive | Flags.OpenNoFollow | Flags.OpenCloseOnExec;
        var fd = OpenAtWithMode(folder.Fd, name, flags, 0b110_000_000);
        return fd >= 0 ? new SafeFileHandle((IntPtr)fd, ownsHandle: true) : throw OpenError(name);
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

    /// <summary>
    /// Owner, mode and modification time of an open file or folder, through its descriptor: three calls
    /// and no path lookups (File.SetUnixFileMode and File.SetLastWriteTimeUtc each resolve the path again,
    /// and the latter stats it first). A non-root caller can only keep its own owner, so EPERM there is ignored.
    /// </summary>
    public static void SetOwnerModeAndTime(SafeFileHandle handle, int uid, int gid, UnixFileMode mode, DateTimeOffset modified) =>
        SetOwnerModeAndTime((int)handle.DangerousGetHandle(), uid, gid, mode, modified);

    /// <summary><see cref="SetOwnerModeAndTime(SafeFileHandle, int, int, UnixFileMode, DateTimeOffset)"/> of an open folder.</summary>
    public static void SetOwnerModeAndTime(DirectoryHandle folder, int uid, int gid, UnixFileMode mode, DateTimeOffset modified) =>
        SetOwnerModeAndTime(folder.Fd, uid, gid, mode, modified);

    private static void SetOwnerModeAndTime(int fd, int uid, int gid, UnixFileMode mode, DateTimeOffset modified)
    {
        const int NotPermitted = Errno.NotPermitted;
        if (FChown(fd, uid, gid) != 0 && Marshal.GetLastPInvokeError() != NotPermitted)
        {
            throw Error("Cannot set the owner of a restored file");
        }
        if (FChmod(fd, (uint)mode) != 0)
        {
            throw Error("Cannot set the mode of a restored file");
        }
        // Floor division: before 1970 the seconds go down and the nanoseconds stay in [0, 1e9), as futimens requires.
        var ticks = modified.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }
        Span<TimeSpec> times = [
            new TimeSpec(0, Flags.TimeOmit), // access time: left as it is
            new TimeSpec(seconds, rest * 100),
        ];
        if (FUtimens(fd, ref MemoryMarshal.GetReference(times)) != 0)
        {
            throw Error("Cannot set the time of a restored file");
        }
    }

    /// <summary>fstat of an open file (statx with AT_EMPTY_PATH).</summary>
    public static FileStat Stat(SafeFileHandle handle) => StatFd((int)handle.DangerousGetHandle());

    public static FileStat Stat(DirectoryHandle folder) => StatFd(folder.Fd);

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

    /// <summary>
    /// Caps glibc's malloc arenas (mallopt M_ARENA_MAX) for the threads that make one from now on. glibc
    /// gives each thread that allocates its own arena, up to eight per core, and keeps freed memory in
    /// each: SQLite's page caches and sorters and zlib's buffers, allocated on whichever pool thread runs
    /// a download or export, are left behind in many arenas (fifty boat-log downloads with 2 MB caches:
    /// peak RSS 52-64 MB run to run, a steady 52 MB with MALLOC_ARENA_MAX=2). Arenas made before this call
    /// (by the runtime's first threads) stay in use, so the systemd units also set MALLOC_ARENA_MAX=2, which
    /// glibc reads at start; this call covers the demo, the tests and any other way the programs are run.
    /// Native memory is a small part of the services' work, so two arenas lose little to lock contention.
    /// Best effort: a libc that refuses the setting just keeps its own arenas.
    /// </summary>
    public static void LimitMallocArenas(int arenas) => _ = MallOpt(Flags.MallocArenaMax, arenas);

    /// <summary>
    /// Raises this process's soft limit of open files to its hard one (systemd's default is 1024 soft,
    /// 524288 hard), as the .NET runtime does for JIT programs but Native AOT does not. The backup walks
    /// and the restore hold one descriptor per folder level (names are looked up relative to the open
    /// folder); at 1024, a tree nested a thousand folders deep, which a plugin could make under
    /// /home/d3kos/.signalk, would fail every backup. Best effort: a refusal keeps the limit as it was.
    /// </summary>
    public static void RaiseOpenFileLimit()
    {
        Span<ulong> limit = stackalloc ulong[2]; // struct rlimit: rlim_cur, rlim_max (64-bit on both targets)
        if (GetRLimit(Flags.ResourceOpenFiles, ref MemoryMarshal.GetReference(limit)) == 0 && limit[0] < limit[1])
        {
            limit[0] = limit[1];
            _ = SetRLimit(Flags.ResourceOpenFiles, ref MemoryMarshal.GetReference(limit));
        }
    }

    /// <summary>
    /// Drops a file's clean pages from the page cache (posix_fadvise POSIX_FADV_DONTNEED), after an fsync:
    /// the next read comes from the drive itself, so a read-back check proves what the drive holds, not
    /// what memory still remembers. Best effort: a file system that ignores the advice is read from cache.
    /// </summary>
    public static void DropCachedPages(SafeFileHandle handle) =>
        _ = FAdvise((int)handle.DangerousGetHandle(), 0, 0, Flags.FadviseDontNeed);

    /// <summary>struct timespec: two 64-bit fields on both supported processors (checked by the header test).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TimeSpec(long Seconds, long Nanoseconds);

    private static IOException OpenError(string path)
    {
        return Marshal.GetLastPInvokeError() switch
        {
            NoSuchEntry => new FileNotFoundException($"'{path}' does not exist.", path),
            SymlinkLoop => new IOException($"'{path}' is a symlink where a file or folder was expected: refused.", SymlinkLoop),
            _ => Error($"Cannot open '{path}'"),
        };
    }

    /// <summary>The user this process acts as (0 for the backup API's root).</summary>
    public static int EffectiveUserId() => (int)GetEffectiveUserId();

    /// <summary>The group this process acts as (d3kos for the export manager).</summary>
    public static int EffectiveGroupId() => (int)GetEffectiveGroupId();

    private const int Interrupted = Errno.Interrupted;

    /// <summary>
    /// pread(2): up to <paramref name="buffer"/>'s length from <paramref name="offset"/>; 0 at the end.
    /// RandomAccess.Read would first ask every new handle whether it can seek (an lseek per file).
    /// </summary>
    public static unsafe int ReadAt(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        fixed (byte* start = buffer)
        {
            while (true)
            {
                var got = PRead((int)file.DangerousGetHandle(), start, (nuint)buffer.Length, offset);
                if (got >= 0)
                {
                    return (int)got;
                }
                if (Marshal.GetLastPInvokeError() != Interrupted)
                {
                    throw Error("Cannot read a file");
                }
            }
        }
    }

    /// <summary>pwrite(2) of the whole of <paramref name="bytes"/> at <paramref name="offset"/>, without RandomAccess's lseek per handle.</summary>
    public static unsafe void WriteAt(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        fixed (byte* start = bytes)
        {
            var done = 0;
            while (done < bytes.Length)
            {
                var wrote = PWrite((int)file.DangerousGetHandle(), start + done, (nuint)(bytes.Length - done), offset + done);
                if (wrote >= 0)
                {
                    done += (int)wrote;
                }
                else if (Marshal.GetLastPInvokeError() != Interrupted)
                {
                    throw Error("Cannot write a file");
                }
            }
        }
    }

    private static IOException Error(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        // Marshal.GetPInvokeErrorMessage gives strerror's text, e.g. "Permission denied".
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    // open(2) with the mode of O_CREAT: on x86-64 and on Linux's arm64 (AAPCS64, unlike Apple's) a
    // variadic int is passed in the same register as a declared one, so this declaration is exact there.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenWithMode(string path, int flags, uint mode);

    // openat(2) with the mode of O_CREAT, exact on x86-64 and Linux's arm64 as OpenWithMode above.
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtWithMode(int dirFd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint ReadLinkAt(int dirFd, string name, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static unsafe partial int UnlinkAtRaw(int dirFd, byte* name, int flags);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static unsafe partial int OpenAtRaw(int dirFd, byte* name, int flags);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int RenameAtRaw(int fromDirFd, byte* fromName, int toDirFd, string toName);

    // glibc's wrapper (2.30 and later; Raspberry Pi OS bookworm has 2.36) spares a per-architecture syscall number.
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static unsafe partial nint GetDents64(int fd, byte* buffer, nuint count);

    // off_t is 64 bits on both 64-bit targets (x86-64, arm64), so pread and pwrite take a long.
    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static unsafe partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FChmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static partial int FUtimens(int fd, ref TimeSpec times);

    // off_t is 64 bits on both supported processors (checked by the header test).
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int FAdvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, ref ulong limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetRLimit(int resource, ref ulong limit);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newName);

    // openat(2) is variadic only for the mode of O_CREAT, which is never passed here.
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int dirFd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(int dirFd, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FChown(int fd, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAtNative(int fromDirFd, string fromName, int toDirFd, string toName);

    internal static int CloseFd(int fd) => Close(fd);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEffectiveGroupId();
}
