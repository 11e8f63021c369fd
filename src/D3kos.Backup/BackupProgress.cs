namespace D3kos.Backup;

/// <summary>
/// Where a long operation is: a phase and the bytes done of a total (0 when the phase cannot say).
/// Written by the library as it works, read from other threads: by the API's job that the owner's page
/// polls, and by the CLI's line on a terminal (<paramref name="changed"/>).
/// </summary>
public sealed class BackupProgress(Action<BackupProgress>? changed = null)
{
    public const string BackingUp = "backing up";
    public const string Finishing = "finishing";
    public const string Checking = "checking";
    public const string Restoring = "restoring";
    public const string SwitchingOver = "switching over";
    public const string KeepingOldState = "keeping the old state";
    public const string WaitingForSafetyBackup = "waiting for the safety backup of the last restore";
    public const string Copying = "copying";
    public const string Fetching = "fetching";

    private string _phase = "starting";
    private long _done;
    private long _total;

    public string Phase => Volatile.Read(ref _phase);

    public long Done => Volatile.Read(ref _done);

    public long Total => Volatile.Read(ref _total);

    public void Begin(string phase, long total)
    {
        Volatile.Write(ref _done, 0);
        Volatile.Write(ref _total, total);
        Volatile.Write(ref _phase, phase);
        changed?.Invoke(this);
    }

    public void Report(long done)
    {
        Volatile.Write(ref _done, done);
        changed?.Invoke(this);
    }
}
