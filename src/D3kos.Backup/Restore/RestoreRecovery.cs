namespace D3kos.Backup;

/// <summary>
/// What the start did with a restore that a crash or power cut cut off, kept in the backups folder so the
/// owner hears of it (the restoreRecovered condition) even when nobody read the journal at that start.
/// </summary>
/// <param name="Outcome">One of <see cref="Finished"/>, <see cref="RolledBack"/> or <see cref="NothingChanged"/>.</param>
public sealed record RestoreRecovery(DateTimeOffset Time, string BackupFile, string Outcome)
{
    /// <summary>The new files were already live: the restore was completed.</summary>
    public const string Finished = "finished";

    /// <summary>Cut off while swapping: every source is back as it was before the restore.</summary>
    public const string RolledBack = "rolled back";

    /// <summary>Cut off while unpacking: nothing live had been touched, the unpacked files were removed.</summary>
    public const string NothingChanged = "stopped before anything changed";

    internal static string OutcomeOf(RestorePhase phase) => phase switch
    {
        RestorePhase.Swapping => RolledBack,
        RestorePhase.Staging => NothingChanged,
        _ => Finished,
    };
}
