namespace D3kos.Common.Interop;

/// <summary>An open folder (a file descriptor from <see cref="LibC.OpenDirectoryNoFollow"/>), closed on dispose.</summary>
public sealed class DirectoryHandle : IDisposable
{
    internal DirectoryHandle(int fd) => Fd = fd;

    internal int Fd { get; private set; }

    public void Dispose()
    {
        if (Fd >= 0)
        {
            _ = LibC.CloseFd(Fd);
            Fd = -1;
        }
    }
}
