namespace D3kos.Backup;

/// <summary>
/// The safety backup of what a restore replaced, written from the folders the swap set aside once the
/// services are back with the new files: the owner has the boat back without waiting for it. Until it is
/// durable the aside folders are the way back (the journal says "keeping"), and the backup lock is held,
/// so another restore, a backup or a delete waits for it.
/// </summary>
public sealed class OldStateKeeping
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _failure;

    internal OldStateKeeping(string safetyBackup, string restoredFrom, BackupProgress progress)
    {
        SafetyBackup = safetyBackup;
        RestoredFrom = restoredFrom;
        Progress = progress;
        Ended = _done.Task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The name the safety backup gets.</summary>
    public string SafetyBackup { get; }

    /// <summary>The backup that was restored.</summary>
    public string RestoredFrom { get; }

    /// <summary>"keeping the old state", bytes done of the old state's total.</summary>
    public BackupProgress Progress { get; }

    /// <summary>Ends when the safety backup is durable and the aside folders are gone; faults with the reason when it could not be written.</summary>
    public Task Completion => _done.Task;

    /// <summary>Ends with the keeping, kept or not (then <see cref="Failure"/> says why): what a caller waits on before it reports or stops.</summary>
    public Task Ended { get; }

    public bool Finished => _done.Task.IsCompleted;

    /// <summary>Why the old state could not be kept, in one sentence (its folders stay aside); null while writing or when kept.</summary>
    public string? Failure => _failure;

    /// <summary>Runs <paramref name="keep"/> on a thread of its own: a card-bound archive of a whole tree must not hold a pool thread.</summary>
    internal void Start(Action keep) =>
        Task.Factory.StartNew(() =>
        {
            try
            {
                keep();
                _done.SetResult();
            }
            catch (Exception ex)
            {
                _failure = ex.Message;
                _done.SetException(ex);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
