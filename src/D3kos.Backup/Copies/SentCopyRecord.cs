namespace D3kos.Backup;

/// <summary>One copy this device sent to a target, as its ledger (<see cref="CopyLedger"/>) keeps it.</summary>
/// <param name="Name">The copy's name on the target.</param>
/// <param name="Sha256">The SHA-256 of the backup the copy holds, as the target read it back.</param>
/// <param name="SentAt">This device's clock when it was sent, for the owner: the order is the ledger's own.</param>
/// <param name="Adopted">Taken over from a target copied to before the ledger existed (its name is this device's own), not seen sent.</param>
public sealed record SentCopyRecord(string Name, long SizeBytes, string? Sha256, DateTimeOffset SentAt, bool Adopted = false);
