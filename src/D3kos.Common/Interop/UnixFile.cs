using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Common.Interop;

/// <summary>
/// Files opened, made, read and written without .NET's flock and per-handle lseek, owners and times set
/// through a descriptor, links made, and writes made durable. A backup reads, and a restore writes, tens
/// of thousands of small files: each call saved here is saved that many times.
/// </summary>
public static class UnixFile
{
    private static readonly LibCConstants Flags = LibC.Flags;

    internal static readonly int ReadFlags = Flags.OpenReadOnly | Flags.OpenNoFollow | Flags.OpenNonBlock | Flags.OpenCloseOnExec;
    internal static readonly int CreateFlags = Flags.OpenWriteOnly | Flags.OpenCreate | Flags.OpenExclusive | Flags.OpenNoFollow | Flags.OpenCloseOnExec;
    internal const uint CreateMode = 0b110_000_000;

    /// <summary>
    /// Opens a file to read it, refusing a symlink in its last component (ELOOP) and never waiting on a
    /// FIFO (O_NONBLOCK, which regular files ignore), and without the flock that FileStream takes.
    /// </summary>
    public static SafeFileHandle OpenReadNoFollow(string path) => LibC.FileOrThrow(LibC.Open(path, ReadFlags), path);

    /// <summary>
    /// Makes a new file for writing (O_EXCL: never an existing name, never through a symlink), mode 0600
    /// until <see cref="SetOwnerModeAndTime"/> gives it its own. Without flock, as above.
    /// </summary>
    public static SafeFileHandle CreateNew(string path) => LibC.FileOrThrow(LibC.OpenWithMode(path, CreateFlags, CreateMode), path);

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
                var got = LibC.PRead(file, start, (nuint)buffer.Length, offset);
                if (got >= 0)
                {
                    return (int)got;
                }
                if (LibC.LastError != Errno.Interrupted)
                {
                    throw LibC.Error("Cannot read a file");
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
                var wrote = LibC.PWrite(file, start + done, (nuint)(bytes.Length - done), offset + done);
                if (wrote >= 0)
                {
                    done += (int)wrote;
                }
                else if (LibC.LastError != Errno.Interrupted)
                {
                    throw LibC.Error("Cannot write a file");
                }
            }
        }
    }

    /// <summary>
    /// Drops a file's clean pages from the page cache (posix_fadvise POSIX_FADV_DONTNEED), after an fsync:
    /// the next read comes from the drive itself, so a read-back check proves what the drive holds, not
    /// what memory still remembers. Best effort: a file system that ignores the advice is read from cache.
    /// </summary>
    public static void DropCachedPages(SafeFileHandle file) => _ = LibC.FAdvise(file, 0, 0, Flags.FadviseDontNeed);

    /// <summary>
    /// Owner, mode and modification time of an open file, through its descriptor: three calls and no path
    /// lookups (File.SetUnixFileMode and File.SetLastWriteTimeUtc each resolve the path again, and the
    /// latter stats it first). A non-root caller can only keep its own owner, so EPERM there is ignored.
    /// </summary>
    public static void SetOwnerModeAndTime(SafeFileHandle file, int uid, int gid, UnixFileMode mode, DateTimeOffset modified) =>
        SetOwnerModeAndTime((SafeHandle)file, uid, gid, mode, modified);

    internal static void SetOwnerModeAndTime(SafeHandle open, int uid, int gid, UnixFileMode mode, DateTimeOffset modified)
    {
        if (LibC.FChown(open, uid, gid) != 0 && LibC.LastError != Errno.NotPermitted)
        {
            throw LibC.Error("Cannot set the owner of a restored file");
        }
        if (LibC.FChmod(open, (uint)mode) != 0)
        {
            throw LibC.Error("Cannot set the mode of a restored file");
        }
        // Floor division: before 1970 the seconds go down and the nanoseconds stay in [0, 1e9), as futimens requires.
        var ticks = modified.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }
        Span<LibC.TimeSpec> times = [
            new LibC.TimeSpec(0, Flags.TimeOmit), // access time: left as it is
            new LibC.TimeSpec(seconds, rest * 100),
        ];
        if (LibC.FUtimens(open, ref MemoryMarshal.GetReference(times)) != 0)
        {
            throw LibC.Error("Cannot set the time of a restored file");
        }
    }

    /// <summary>Sets the owner without following a symlink; a non-root caller can only keep its own, so EPERM is ignored.</summary>
    public static void SetOwner(string path, int uid, int gid)
    {
        if (LibC.LChown(path, uid, gid) != 0 && LibC.LastError != Errno.NotPermitted)
        {
            throw LibC.Error($"Cannot set the owner of '{path}'");
        }
    }

    /// <summary>
    /// Makes a second name for a file (link(2)); false with the errno when the file system will not,
    /// e.g. EXDEV across file systems or EPERM on vfat, so the caller can copy instead.
    /// </summary>
    public static bool TryHardLink(string existing, string newName, out int errno)
    {
        errno = LibC.Link(existing, newName) == 0 ? 0 : LibC.LastError;
        return errno == 0;
    }

    /// <summary>
    /// Flushes a folder's entries, which is what makes a rename into it survive a power cut on ext4 and
    /// f2fs. Opening the folder read-only is enough for fsync on Linux; no O_DIRECTORY is needed.
    /// </summary>
    public static void FlushFolder(string folder)
    {
        using var open = OpenForFlush(folder, $"Cannot open folder '{folder}' to flush it");
        if (LibC.Fsync(open) != 0)
        {
            throw LibC.Error($"Cannot flush folder '{folder}'");
        }
    }

    /// <summary>
    /// Flushes every file written on the file system that holds <paramref name="path"/> (syncfs(2)): one
    /// call instead of an fsync per file, and unlike sync() it does not wait for other disks.
    /// </summary>
    public static void FlushFileSystemOf(string path)
    {
        using var open = OpenForFlush(path, null);
        if (LibC.SyncFs(open) != 0)
        {
            throw LibC.Error($"Cannot flush the file system of '{path}'");
        }
    }

    private static SafeFileHandle OpenForFlush(string path, string? failure)
    {
        var fd = LibC.Open(path, Flags.OpenReadOnly | Flags.OpenCloseOnExec);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true)
            : throw (failure is null ? LibC.OpenError(path) : LibC.Error(failure));
    }
}
