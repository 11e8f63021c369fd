using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

/// <summary>
/// Every libc call of the services, in one class split by topic over the LibC.*.cs files here: the
/// POSIX calls .NET does not expose (flushing a folder after a rename, owners, statx, calls relative to
/// an open folder). Flags come from <see cref="LibCConstants.Current"/>, never
/// from a literal, because their numbers differ between x86-64 and the Pi's arm64. Failures become
/// <see cref="IOException"/> with the errno's name, which callers turn into one clear sentence.
/// </summary>
public static partial class LibC
{
    private static readonly LibCConstants Flags = LibCConstants.Current;

    private const int NoSuchEntry = Errno.NoSuchEntry;
    private const int NotADirectory = Errno.NotADirectory;
    private const int AlreadyExists = Errno.AlreadyExists;
    private const int Interrupted = Errno.Interrupted;

    /// <summary>ELOOP, the HResult of the IOException when a name opened without following is a symlink.</summary>
    public const int SymlinkLoop = Errno.SymlinkLoop;

    private static IOException OpenError(string path)
    {
        return Marshal.GetLastPInvokeError() switch
        {
            NoSuchEntry => new FileNotFoundException($"'{path}' does not exist.", path),
            SymlinkLoop => new IOException($"'{path}' is a symlink where a file or folder was expected: refused.", SymlinkLoop),
            _ => Error($"Cannot open '{path}'"),
        };
    }

    private static IOException Error(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        // Marshal.GetPInvokeErrorMessage gives strerror's text, e.g. "Permission denied".
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    // openat(2) is variadic only for the mode of O_CREAT, which is never passed here.
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int dirFd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FChown(int fd, int uid, int gid);

    internal static int CloseFd(int fd) => Close(fd);
}
