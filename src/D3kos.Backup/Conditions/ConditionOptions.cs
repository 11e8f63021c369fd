namespace D3kos.Backup;

/// <summary>When a condition counts as a problem (configuration "Backup:Conditions").</summary>
public sealed class ConditionOptions
{
    /// <summary>No backup made on this Pi for more than this many days raises backupOverdue.</summary>
    public int BackupMaxAgeDays { get; set; } = 3;

    /// <summary>No copy reached a target for more than this many days raises copyOverdue for that target.</summary>
    public int CopyMaxAgeDays { get; set; } = 14;

    /// <summary>An export that failed for good within this many days raises exportFailed.</summary>
    public int ExportFailedDays { get; set; } = 7;

    /// <summary>Exports waiting for more than this many days, with none sent meanwhile, raise exportStuck.</summary>
    public int ExportWaitDays { get; set; } = 3;

    /// <summary>How long the news that a cut-off restore was finished or rolled back at start stays shown.</summary>
    public int RestoreNoticeHours { get; set; } = 24;

    /// <summary>How often the backup API looks at the conditions (and the card's free space).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    internal IEnumerable<string> Problems()
    {
        if (BackupMaxAgeDays < 1 || CopyMaxAgeDays < 1 || RestoreNoticeHours < 1 || ExportFailedDays < 1 || ExportWaitDays < 1)
        {
            yield return "Backup:Conditions:BackupMaxAgeDays, CopyMaxAgeDays, ExportFailedDays, ExportWaitDays and RestoreNoticeHours must be at least 1";
        }
        if (CheckInterval < TimeSpan.FromSeconds(1))
        {
            yield return "Backup:Conditions:CheckInterval must be at least one second";
        }
    }
}
