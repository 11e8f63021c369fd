namespace D3kos.Backup;

/// <summary>What a walk of the sources counted: the room, space and progress a backup needs.</summary>
internal sealed record ScanTotals(long TotalBytes, long LargestDatabase, long ManifestRecordBytes, LeftOutNotes Ignored)
{
    /// <summary>Bytes of the backup's own already on the card when the space is checked (a database's snapshot).</summary>
    public long AlreadyTaken { get; init; }

    /// <summary>Space a backup needs at the most: every byte once, plus the snapshot of the largest database while it is copied.</summary>
    public long SpaceNeeded => Math.Max(0, TotalBytes + LargestDatabase - AlreadyTaken);
}
