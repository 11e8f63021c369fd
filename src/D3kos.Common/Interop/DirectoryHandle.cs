namespace D3kos.Common.Interop;

/// <summary>An open folder (a file descriptor from <see cref="LibC.OpenDirectoryNoFollow"/>), closed on dispose.</summary>
public sealed class DirectoryHandle : IDisposable
{
    internal DirectoryHandle(int fd) => Fd = fd;

    internal int Fd { get; private set; }

    /// <summary>
    /// A path that names this open folder (/proc/self/fd/N): lookups under it start at the folder itself,
    /// whatever has been renamed or swapped on the way to it since it was opened, so path-based APIs
    /// (FileStream, File.Move) work inside it as openat(2) would.
    /// </summary>
    public string ProcPath => Fd >= 0 ? $"/proc/self/fd/{Fd}" : throw new ObjectDisposedException(nameof(DirectoryHandle));

    public void Dispose()
    {
        if (Fd >= 0)
        {
            _ = LibC.CloseFd(Fd);
            Fd = -1;
        }
    }
}
