using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Common.Interop;

// Owner, mode and time set through a descriptor, as a restore gives each file its own.
public static partial class LibC
{
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

    /// <summary>struct timespec: two 64-bit fields on both supported processors (checked by the header test).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TimeSpec(long Seconds, long Nanoseconds);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FChmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static partial int FUtimens(int fd, ref TimeSpec times);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, int uid, int gid);
}
