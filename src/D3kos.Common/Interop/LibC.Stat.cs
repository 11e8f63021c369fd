using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// statx(2): by path, by name in an open folder, or of a descriptor itself (AT_EMPTY_PATH).
internal static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(int atFdCwd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(SafeHandle folder, string path, int flags, uint mask, ref byte buffer);
}
