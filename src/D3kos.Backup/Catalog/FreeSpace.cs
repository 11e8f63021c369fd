namespace D3kos.Backup;

/// <summary>
/// The one free-space check, made before a byte is written: running out half way costs more than
/// refusing early, so a backup and a restore ask for their estimate plus <c>Backup:FreeSpaceMarginBytes</c>.
/// The freeSpaceLow condition asks the same question ahead of the next backup (<see cref="Outlook"/>).
/// </summary>
internal static class FreeSpace
{
    /// <param name="folder">A folder on the file system that will be written (it must exist).</param>
    /// <param name="purpose">What the space is for, e.g. "for a backup".</param>
    /// <param name="untouched">What the refusal leaves as it was, e.g. "Nothing was written."</param>
    public static void Ensure(string folder, long needed, long margin, string purpose, string untouched)
    {
        var outlook = Outlook(folder, needed, margin);
        if (!outlook.Enough)
        {
            throw new BackupException(BackupError.DiskFull,
                $"Not enough free space {purpose}: about {Megabytes(outlook.NeededBytes)} MB needed, {Megabytes(outlook.FreeBytes)} MB free. {untouched}");
        }
    }

    public static SpaceOutlook Outlook(string folder, long needed, long margin) =>
        new(needed + margin, new DriveInfo(folder).AvailableFreeSpace);

    public static long Megabytes(long bytes) => (bytes + 999_999) / 1_000_000;
}

/// <summary>What a write needs (its estimate plus the margin) and what the card has free.</summary>
public sealed record SpaceOutlook(long NeededBytes, long FreeBytes)
{
    public bool Enough => FreeBytes >= NeededBytes;
}
