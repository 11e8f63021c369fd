using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Common.Interop;

// Files opened, made, read and written without .NET's flock and per-handle lseek, and links read or made.
public static partial class LibC
{
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
    /// Drops a file's clean pages from the page cache (posix_fadvise POSIX_FADV_DONTNEED), after an fsync:
    /// the next read comes from the drive itself, so a read-back check proves what the drive holds, not
    /// what memory still remembers. Best effort: a file system that ignores the advice is read from cache.
    /// </summary>
    public static void DropCachedPages(SafeFileHandle handle) =>
        _ = FAdvise((int)handle.DangerousGetHandle(), 0, 0, Flags.FadviseDontNeed);

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

    // open(2) with the mode of O_CREAT: on x86-64 and on Linux's arm64 (AAPCS64, unlike Apple's) a
    // variadic int is passed in the same register as a declared one, so this declaration is exact there.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenWithMode(string path, int flags, uint mode);

    // openat(2) with the mode of O_CREAT, exact on x86-64 and Linux's arm64 as OpenWithMode above.
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtWithMode(int dirFd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint ReadLinkAt(int dirFd, string name, byte* buffer, nuint size);

    // off_t is 64 bits on both 64-bit targets (x86-64, arm64), so pread and pwrite take a long.
    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static unsafe partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    // off_t is 64 bits on both supported processors (checked by the header test).
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int FAdvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newName);
}
