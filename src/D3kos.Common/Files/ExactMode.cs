namespace D3kos.Common.Files;

/// <summary>
/// New files and folders with exactly the mode asked for, whatever the umask: the umask can only narrow
/// the mode given to open(2) or mkdir(2), so the mode is also set on the new file or folder itself.
/// Files that hold the boat's secrets (backups, exports, the queue) and restore work folders use this.
/// </summary>
public static class ExactMode
{
    /// <summary>Creates a new file (it must not exist) with <paramref name="mode"/> from its first byte.</summary>
    public static FileStream CreateFile(string path, UnixFileMode mode, FileAccess access, int bufferSize, bool useAsync = false)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = access,
            Share = FileShare.None,
            BufferSize = bufferSize,
            UnixCreateMode = mode,
            Options = useAsync ? FileOptions.Asynchronous : FileOptions.None,
        });
        File.SetUnixFileMode(stream.SafeFileHandle, mode);
        return stream;
    }

    /// <summary>Creates a folder (and missing parents) and gives the folder itself <paramref name="mode"/>.</summary>
    public static void CreateFolder(string path, UnixFileMode mode)
    {
        Directory.CreateDirectory(path, mode);
        File.SetUnixFileMode(path, mode);
    }
}
