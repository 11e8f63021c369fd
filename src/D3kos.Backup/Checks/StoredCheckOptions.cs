namespace D3kos.Backup;

/// <summary>The scheduled read-back of what is stored (configuration "Backup:StoredCheck"), after restic's check --read-data and ZFS's scrub.</summary>
public sealed class StoredCheckOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How long after the last check the next one runs (weekly by default).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The check reads at most this many KiB per second, so the card and the processor stay free for the helm.</summary>
    public int MaxKiBPerSecond { get; set; } = 8192;

    internal IEnumerable<string> Problems()
    {
        if (Interval < TimeSpan.FromMinutes(1) || MaxKiBPerSecond < 1)
        {
            yield return "Backup:StoredCheck:Interval must be at least a minute and MaxKiBPerSecond at least 1";
        }
    }
}
