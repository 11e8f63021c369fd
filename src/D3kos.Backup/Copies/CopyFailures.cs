namespace D3kos.Backup;

/// <summary>How a target says its own failures: every call it answers goes through <see cref="SayAsync"/> with its kind's explanation.</summary>
internal static class CopyFailures
{
    /// <summary>What a failure leaves behind, at the end of its sentence.</summary>
    public static string Kept(this CopyConsequence consequence) => consequence switch
    {
        CopyConsequence.Copy => " The local backup is kept.",
        CopyConsequence.Import => " Nothing was imported.",
        _ => "",
    };

    /// <summary>
    /// Runs <paramref name="work"/> and throws a failure as <paramref name="explain"/> says it. What it does
    /// not explain is a bug and goes on as it is; so does anything once the caller has cancelled, which is
    /// the caller's doing and not the target's failure.
    /// </summary>
    public static async Task<T> SayAsync<T>(Func<Task<T>> work, Func<Exception, BackupException?> explain, CancellationToken cancellationToken)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && explain(ex) is { } failure)
        {
            if (ReferenceEquals(failure, ex))
            {
                throw;
            }
            throw failure;
        }
    }
}
