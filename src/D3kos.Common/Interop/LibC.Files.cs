using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// Files read and written by offset, links read and made, page-cache advice.
internal static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial nint ReadLinkAt(FolderHandle folder, string name, byte* buffer, nuint size);

    // off_t is 64 bits on both 64-bit targets (x86-64, arm64), so pread and pwrite take a long.
    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    internal static unsafe partial nint PRead(SafeHandle file, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    internal static unsafe partial nint PWrite(SafeHandle file, byte* buffer, nuint count, long offset);

    // off_t is 64 bits on both supported processors (checked by the header test).
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    internal static partial int FAdvise(SafeHandle file, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string existing, string newName);
}
