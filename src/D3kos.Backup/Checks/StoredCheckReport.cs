namespace D3kos.Backup;

/// <summary>What the last check of what is stored found (the backups folder's .stored-check.json).</summary>
public sealed record StoredCheckReport(DateTimeOffset Time, IReadOnlyList<StoredCheckResult> Results);

/// <summary>One thing read back whole.</summary>
/// <param name="Where">"local" for the newest backup on the card, else the copy target's name.</param>
/// <param name="File">The backup or copy read; null when there was none to read.</param>
/// <param name="Damaged">The bytes are there but fail a checksum, will not decrypt or are not a whole backup.</param>
/// <param name="Problem">Why it is damaged, or why it could not be read this time (a drive not plugged in: not damage).</param>
public sealed record StoredCheckResult(string Where, string? File, bool Damaged, string? Problem)
{
    public const string Local = "local";
}
