namespace D3kos.Backup;

/// <summary>A target's ledger file: the copies this device sent there, oldest first, in the order it sent them.</summary>
public sealed record SentCopies(int FormatVersion, List<SentCopyRecord> Copies)
{
    public const int CurrentFormat = 1;
}
