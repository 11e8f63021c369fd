using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Common.Interop;

/// <summary>
/// The raw libc calls, one class split by topic over the LibC.*.cs files here: declarations and the
/// errno-to-exception sentence, no decisions. What a name that is not UTF-8 means, when a folder counts as
/// gone, which flags an open takes: those live in the typed API above it (<see cref="FolderHandle"/>,
/// <see cref="UnixFile"/>, <see cref="FileStat"/>), as dotnet/runtime keeps <c>Interop.Sys</c> under its
/// SafeHandles. A descriptor is passed as a <see cref="SafeHandle"/> wherever one exists: the marshaller
/// holds a reference for the call, so another thread's Dispose cannot close (and the kernel reuse) the
/// number while the call runs. Flags come from <see cref="LibCConstants.Current"/>, never from a literal,
/// because their numbers differ between x86-64 and the Pi's arm64.
/// </summary>
internal static partial class LibC
{
    internal static readonly LibCConstants Flags = LibCConstants.Current;

    /// <summary>The last call's errno as an <see cref="IOException"/> whose HResult is the errno.</summary>
    internal static IOException Error(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        // Marshal.GetPInvokeErrorMessage gives strerror's text, e.g. "Permission denied".
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }

    /// <summary><see cref="Error"/> of a failed open, with a missing name and a refused symlink said plainly.</summary>
    internal static IOException OpenError(string path)
    {
        return Marshal.GetLastPInvokeError() switch
        {
            Errno.NoSuchEntry => new FileNotFoundException($"'{path}' does not exist.", path),
            Errno.SymlinkLoop => new IOException($"'{path}' is a symlink where a file or folder was expected: refused.", Errno.SymlinkLoop),
            _ => Error($"Cannot open '{path}'"),
        };
    }

    internal static int LastError => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    // open(2) with the mode of O_CREAT: on x86-64 and on Linux's arm64 (AAPCS64, unlike Apple's) a
    // variadic int is passed in the same register as a declared one, so this declaration is exact there.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenWithMode(string path, int flags, uint mode);

    // openat(2) is variadic only for the mode of O_CREAT, which is not passed here.
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenAt(FolderHandle folder, string name, int flags);

    // The same, by the name's own bytes (NUL-terminated): a name that is not UTF-8 can be opened too.
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    internal static unsafe partial int OpenAt(FolderHandle folder, byte* name, int flags);

    // openat(2) with the mode of O_CREAT, exact on x86-64 and Linux's arm64 as OpenWithMode above.
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenAtWithMode(FolderHandle folder, string name, int flags, uint mode);

    // Without SetLastError: a handle released in a call's cleanup must not overwrite that call's errno.
    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int Close(nint fd);

    /// <summary>A descriptor an open returned, owned by a <see cref="SafeFileHandle"/>; the open's error when it failed.</summary>
    internal static SafeFileHandle FileOrThrow(int fd, string name) =>
        fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw OpenError(name);
}
