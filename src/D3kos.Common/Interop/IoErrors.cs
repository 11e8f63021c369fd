namespace D3kos.Common.Interop;

/// <summary>
/// What an <see cref="IOException"/> says about its cause, from the errno that .NET and this layer put in
/// its HResult, read against the header-checked table rather than a number written where it is asked.
/// </summary>
public static class IoErrors
{
    /// <summary>ENOSPC: the disk is full.</summary>
    public static bool IsNoSpace(Exception exception) => Is(exception, Errno.NoSpace);

    /// <summary>EROFS: the file system is read-only (a write-protect switch, or the kernel remounted it after errors).</summary>
    public static bool IsReadOnlyFileSystem(Exception exception) => Is(exception, Errno.ReadOnlyFileSystem);

    /// <summary>ELOOP: a name opened without following a symlink was one.</summary>
    public static bool IsSymlinkRefused(Exception exception) => Is(exception, Errno.SymlinkLoop);

    /// <summary>ENXIO: a socket opened as a file.</summary>
    public static bool IsNoDeviceOrAddress(Exception exception) => Is(exception, Errno.NoDeviceOrAddress);

    // The low 16 bits, as the checks this replaced read them: the errno is all an IOException on Linux carries there.
    private static bool Is(Exception exception, int errno) => (exception.HResult & 0xFFFF) == errno;
}
