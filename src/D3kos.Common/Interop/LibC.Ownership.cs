using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// Owner, mode and time, through a descriptor or (for a link itself) a path.
internal static partial class LibC
{
    /// <summary>struct timespec: two 64-bit fields on both supported processors (checked by the header test).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct TimeSpec(long Seconds, long Nanoseconds);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    internal static partial int FChown(SafeHandle file, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int FChmod(SafeHandle file, uint mode);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    internal static partial int FUtimens(SafeHandle file, ref TimeSpec times);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LChown(string path, int uid, int gid);
}
