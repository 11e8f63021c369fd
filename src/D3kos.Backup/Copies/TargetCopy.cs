namespace D3kos.Backup;

/// <summary>One copy a target holds: its name, size, when it arrived there, and how to name it to import.</summary>
public sealed record TargetCopy(string Name, long SizeBytes, DateTimeOffset? ModifiedAt, string Address)
{
    /// <summary>
    /// This Pi's ledger has the copy as it sent it (<see cref="CopyLedger"/>). False for what someone else put
    /// there, or a copy from before the ledger that was not adopted: the owner sees it marked, and retention
    /// never deletes or counts it.
    /// </summary>
    public bool SentByThisPi { get; init; }
}
