using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace D3kos.Backup;

/// <summary>
/// Runs Debian's restic as a child process on one repository. The passphrase reaches it as the path of its
/// 0600 file (RESTIC_PASSWORD_FILE), a bucket's keys through the environment (AWS_ACCESS_KEY_ID, ...):
/// never on the command line, which every user sees in ps, and never in a log. Standard input is always a
/// pipe, so restic never waits on a terminal for a password. A cancelled run is killed: the repository is
/// made to survive that (a power cut does the same), and the next copy clears this device's stale lock.
/// </summary>
internal sealed class ResticProcess(string program, ResticRepository repository, string passwordFile, string cacheFolder, string? workingFolder = null)
{
    // restic's own settings from the service's environment would change what it does (another repository, another password).
    private static readonly string[] Inherited = ["RESTIC_", "AWS_", "B2_", "AZURE_", "GOOGLE_", "OS_", "ST_", "RCLONE_"];

    public string Repository => repository.Url;

    /// <summary>The same repository, opened with another passphrase's file.</summary>
    public ResticProcess WithPasswordFile(string file) => new(program, repository, file, cacheFolder, workingFolder);

    /// <summary>The same repository, restic started in <paramref name="folder"/> (what "." backs up, where a restore is written).</summary>
    public ResticProcess In(string folder) => new(program, repository, passwordFile, cacheFolder, folder);

    /// <summary>Runs a command whose output is small (JSON), and returns that output.</summary>
    public async Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        await RunAsync(arguments, feed: null, async (stdout, token) =>
        {
            using var reader = new StreamReader(stdout, Encoding.UTF8);
            output.Append(await reader.ReadToEndAsync(token).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
        return output.ToString();
    }

    /// <summary>
    /// Runs a command with <paramref name="feed"/> writing its standard input (closed after it) and
    /// <paramref name="read"/> taking its standard output. A feed that fails kills restic before its input
    /// is closed: an input closed early would be taken as the whole of it, and saved as a snapshot.
    /// </summary>
    public async Task RunAsync(IReadOnlyList<string> arguments, Func<Stream, CancellationToken, Task>? feed,
        Func<Stream, CancellationToken, Task> read, CancellationToken cancellationToken)
    {
        using var process = Start(arguments);
        var errors = new ErrorTail(process.StandardError);
        var errorsRead = errors.ReadAsync();
        try
        {
            var feeding = Task.Run(async () =>
            {
                try
                {
                    if (feed is not null)
                    {
                        await feed(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
                    }
                    process.StandardInput.Close();
                }
                catch (IOException) when (process.WaitForExit(TimeSpan.FromSeconds(30)) && process.ExitCode != 0)
                {
                    // restic stopped before it read everything (no repository yet, a lock): its own words say why, below.
                }
            }, CancellationToken.None);
            var reading = read(process.StandardOutput.BaseStream, cancellationToken);
            await FirstFailureAsync(feeding, reading).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Kill(process);
            throw;
        }
        await errorsRead.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new ResticException(process.ExitCode, errors.Text);
        }
    }

    /// <summary>Waits for both; the first to fail fails the run at once (the other may wait on restic for ever).</summary>
    private static async Task FirstFailureAsync(Task feeding, Task reading)
    {
        var first = await Task.WhenAny(feeding, reading).ConfigureAwait(false);
        await first.ConfigureAwait(false);
        await (first == feeding ? reading : feeding).ConfigureAwait(false);
    }

    private Process Start(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingFolder ?? "/",
        };
        foreach (var name in start.Environment.Keys.Where(key => Inherited.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal))).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["RESTIC_PASSWORD_FILE"] = passwordFile;
        // Go collects garbage at half its default growth, and harder as its heap nears 64 MiB (restic 0.14 is
        // built with Go 1.19, which reads GOMEMLIMIT): a first copy of the season's backup to S3 peaked at
        // 98-116 MB of restic alone, 82-85 MB with both, in the same time (measured side by side). The unit's
        // whole budget is 256 MB, the copy's target 128 MB with this process.
        start.Environment["GOGC"] = "50";
        start.Environment["GOMEMLIMIT"] = "64MiB";
        start.Environment["TZ"] = "UTC"; // --time and the snapshots' days are UTC, as the backups' names are
        foreach (var (name, value) in repository.Environment)
        {
            start.Environment[name] = value;
        }
        foreach (var argument in (string[])["--repo", repository.Url, "--cache-dir", cacheFolder, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            return Process.Start(start) ?? throw new ResticException(-1, "restic did not start");
        }
        catch (Win32Exception missing)
        {
            throw new BackupException(BackupError.TargetUnavailable,
                $"restic is not installed at {program}, and the repository copies need it: sudo apt-get install restic.", missing);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // It had ended already.
        }
    }

    /// <summary>The end of restic's standard error: its "Fatal: ..." line is what a failure says.</summary>
    private sealed class ErrorTail(StreamReader stderr)
    {
        private const int Keep = 8192;
        private readonly StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public async Task ReadAsync()
        {
            string? line;
            while ((line = await stderr.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                lock (_text)
                {
                    _text.AppendLine(line);
                    if (_text.Length > Keep)
                    {
                        _text.Remove(0, _text.Length - Keep);
                    }
                }
            }
        }
    }
}

/// <summary>Where a repository is (restic's --repo) and what restic needs in its environment to reach it.</summary>
internal sealed record ResticRepository(string Url, IReadOnlyDictionary<string, string> Environment);

/// <summary>restic exited with a failure; <see cref="RepositoryFailures"/> says it as a sentence.</summary>
internal sealed class ResticException(int exitCode, string errors) : Exception($"restic exited with {exitCode}")
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The end of what restic wrote on standard error (never the passphrase or the keys: it does not print them).</summary>
    public string Errors { get; } = errors;

    /// <summary>restic's own "Fatal: ..." sentence, or the first line it wrote (a lock's "unable to create lock ...").</summary>
    public string Fatal => Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .LastOrDefault(line => line.StartsWith("Fatal:", StringComparison.Ordinal))?["Fatal:".Length..].Trim()
        ?? Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {ExitCode}";
}
