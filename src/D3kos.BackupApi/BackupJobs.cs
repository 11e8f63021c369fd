using System.Collections.Concurrent;
using System.Security.Cryptography;
using D3kos.Backup;
using D3kos.Common.Hosting;

namespace D3kos.BackupApi;

/// <summary>
/// Long operations started from the owner's page (create, verify, restore, copy, import from a bucket) run as jobs: the request is
/// answered at once with the job, and the page polls it for the phase, the bytes done of the total, then
/// the result or the problem's sentence. The backup lock still decides what may run: a second create
/// fails as "busy" exactly as the direct endpoint does. Jobs live in memory (the last 20): what they
/// make is on disk, and a restart shows it in the list. A stop of the service waits for running jobs
/// (the unit gives it 10 minutes), as it waits for a running request: a restore is not cut in half.
/// </summary>
public sealed partial class BackupJobs(IEnumerable<ExpectedFailure> expected, BackupManager backups, TimeProvider time, ILogger<BackupJobs> logger) : IHostedService
{
    private const int Kept = 20;
    private readonly ConcurrentDictionary<string, BackupJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<BackupJob, Task> _running = new();

    public BackupJob Start(string kind, Func<BackupProgress, JobResult> work) => Start(kind, progress => Task.FromResult(work(progress)));

    public BackupJob Start(string kind, Func<BackupProgress, Task<JobResult>> work) => Start(kind, job => work(job.Progress));

    /// <summary>A job whose work may answer before it ends (<see cref="BackupJob.Answer"/>): a restore, once the services are back.</summary>
    public BackupJob Start(string kind, Func<BackupJob, Task<JobResult>> work)
    {
        var job = new BackupJob(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), kind, time.GetUtcNow());
        _jobs[job.Id] = job;
        foreach (var old in _jobs.Values.Where(j => j.Finished).OrderByDescending(j => j.Started).Skip(Kept))
        {
            _jobs.TryRemove(old.Id, out _);
        }
        // Stored before it starts: a job that fails at once removes itself after it was added, never before.
        var task = new Task<Task>(async () =>
        {
            try
            {
                job.Succeed(await work(job));
            }
            catch (Exception ex)
            {
                // Logged as the exception handler logs a request's failure: every server-side one, with its cause.
                var (status, error, known) = ExpectedFailure.Describe(expected, ex);
                if (!known)
                {
                    LogFailed(logger, kind, job.Id, ex);
                }
                else if (status >= 500)
                {
                    LogExpected(logger, kind, job.Id, status, error, ex.InnerException);
                }
                job.Fail(status, error);
            }
            finally
            {
                _running.TryRemove(job, out _);
            }
        });
        _running[job] = task.Unwrap();
        task.Start(TaskScheduler.Default);
        return job;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Waits for running jobs and for a restore's old state being kept (a direct restore's, or the one a
    /// start took up), up to the host's shutdown timeout (<paramref name="cancellationToken"/>).
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        return Task.WhenAll([.. _running.Values, backups.Keeping?.Ended ?? Task.CompletedTask]).WaitAsync(cancellationToken);
    }

    public BackupJob? Find(string id) => _jobs.GetValueOrDefault(id);

    [LoggerMessage(EventId = 960, Level = LogLevel.Error, Message = "The {Kind} job {Id} failed")]
    private static partial void LogFailed(ILogger logger, string kind, string id, Exception exception);

    [LoggerMessage(EventId = 961, Level = LogLevel.Warning, Message = "The {Kind} job {Id} failed with {Status}: {Error}")]
    private static partial void LogExpected(ILogger logger, string kind, string id, int status, string error, Exception? cause);
}

/// <summary>What a finished job made; one of them is set, by its kind.</summary>
public sealed record JobResult(
    CreateResponse? Create = null, VerifyResponse? Verify = null, RestoreResponse? Restore = null, CopyResponse? Copy = null, UploadResponse? Import = null);

public sealed class BackupJob(string id, string kind, DateTimeOffset started)
{
    private volatile JobSnapshot? _end;
    private volatile JobResult? _answer;

    public string Id => id;
    public string Kind => kind;
    public DateTimeOffset Started => started;
    public BackupProgress Progress { get; } = new();
    public bool Finished => _end is not null;

    /// <summary>What the job already made, shown while it goes on (state "running", its own phase).</summary>
    public void Answer(JobResult result) => _answer = result;

    public void Succeed(JobResult result) => _end = new JobSnapshot("succeeded", result, null, null);

    public void Fail(int status, string error) => _end = new JobSnapshot("failed", null, status, error);

    public JobResponse View()
    {
        var end = _end;
        var result = end is null ? _answer : end.Result;
        return new JobResponse(end?.Status is null, id, kind, end?.State ?? "running", started, Progress.Phase, Progress.Done, Progress.Total,
            result?.Create, result?.Verify, result?.Restore, result?.Copy, result?.Import, end?.Status, end?.Error);
    }

    private sealed record JobSnapshot(string State, JobResult? Result, int? Status, string? Error);
}
