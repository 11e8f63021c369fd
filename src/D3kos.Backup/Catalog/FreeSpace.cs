namespace D3kos.Backup;

/// <summary>
/// The one free-space check, made before a byte is written: running out half way costs more than
/// refusing early, so a backup and a restore ask for their estimate plus <c>Backup:FreeSpaceMarginBytes</c>.
/// </summary>
internal static class FreeSpace
{
    /// <param name="folder">A folder on the file system that will be written (it must exist).</param>
    /// <param name="purpose">What the space is for, e.g. "for a backup".</param>
    /// <param name="untouched">What the refusal leaves as it was, e.g. "Nothing was written."</param>
    public static void Ensure(string folder, long needed, long margin, string purpose, string untouched)
    {
        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (free < needed + margin)
        {
            throw new BackupException(BackupError.DiskFull,
                $"Not enough free space {purpose}: about {Megabytes(needed + margin)} MB needed, {Megabytes(free)} MB free. {untouched}");
        }
    }

    private static long Megabytes(long bytes) => (bytes + 999_999) / 1_000_000;
}
