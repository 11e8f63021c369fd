using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace D3kos.Faults.Tests;

/// <summary>Starts the shipped programs: the AOT binaries from D3KOS_BIN when set, else the build output under dotnet.</summary>
internal static class Binaries
{
    public static bool IsAot => Environment.GetEnvironmentVariable("D3KOS_BIN") is { Length: > 0 } dir && File.Exists(Path.Combine(dir, "d3kos-backup"));

    public static Process Start(string program, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start(program, environment, wrapper: [], args);

    /// <param name="wrapper">A program and its arguments that run the program (prlimit, say).</param>
    private static Process Start(string program, IReadOnlyDictionary<string, string> environment, string[] wrapper, string[] args)
    {
        var aot = Environment.GetEnvironmentVariable("D3KOS_BIN");
        string[] command = IsAot
            ? [.. wrapper, Path.Combine(aot!, program)]
            : [.. wrapper, "dotnet", Path.Combine(AppContext.BaseDirectory, program + ".dll")];
        var start = new ProcessStartInfo(command[0]);
        foreach (var arg in command.Skip(1).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        var process = Process.Start(start)!;
        // Drained so a chatty program never blocks on a full pipe.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return process;
    }

    /// <summary>
    /// The most a program held to a 32 MB GC heap may reach (peak RSS, KiB): half of the smaller unit's
    /// MemoryMax (the export manager's 160M in deploy/systemd), so "well inside" it. RSS also counts the
    /// program's own code as it runs, which the heap limit does not: about 19 MB of the export manager's
    /// 25 MB binary is resident at idle since the S3 client came in, and a fixed 64 MB budget of no source
    /// failed on that alone (64 MB on CI, 59–64 MB here).
    /// </summary>
    public const long PeakRssBudgetKb = 80 * 1024;

    public static void AssertWithinBudget(long peakKb, string what, long budgetKb = PeakRssBudgetKb) =>
        Assert.True(peakKb < budgetKb, $"{what} peak RSS {peakKb / 1024} MB is over the {budgetKb / 1024} MB budget");

    /// <summary>The most memory the process has held so far (VmHWM), in KiB.</summary>
    public static long PeakRssKb(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs the CLI to the end and samples its peak RSS (VmHWM) while it runs.</summary>
    public static async Task<(int ExitCode, long PeakKb)> RunMeasuredAsync(Dictionary<string, string> environment, params string[] args)
    {
        using var process = Start("d3kos-backup", environment, args);
        var peak = 0L;
        var limit = Stopwatch.StartNew();
        while (!process.HasExited && limit.Elapsed < TimeSpan.FromMinutes(5))
        {
            try
            {
                peak = Math.Max(peak, PeakRssKb(process.Id));
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or FormatException)
            {
                // The process ended between the check and the read.
            }
            await Task.Delay(20);
        }
        await process.WaitForExitAsync();
        return (process.ExitCode, peak);
    }

    /// <summary>
    /// Runs the CLI to the end with its soft limit of open files lowered (prlimit; the hard limit stays),
    /// as systemd's 1024 is for a service, and returns the exit code.
    /// </summary>
    public static async Task<int> RunWithOpenFileLimitAsync(int softLimit, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start("d3kos-backup", environment, ["prlimit", $"--nofile={softLimit}:", "--"], args);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return process.ExitCode;
    }

    /// <summary>Runs to the end and returns the exit code.</summary>
    public static async Task<int> RunAsync(string program, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(program, environment, args);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return process.ExitCode;
    }

    public static void KillHard(Process process)
    {
        // SIGKILL: no shutdown code runs, exactly like a power cut for the process (not for the page cache).
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public static int FreePort() => D3kos.Testing.Loopback.FreePort();

    /// <summary>The backup API on a test root with its token, answering /health; with <paramref name="nginxSocket"/> also on nginx's way in.</summary>
    public static async Task<Process> StartBackupApiAsync(D3kos.Testing.TempRoot root, int port, string? nginxSocket = null)
    {
        root.Write("/opt/d3kos/config/api-token", "owner-token-0123456789abcdef\n");
        var environment = new Dictionary<string, string> { ["D3KOS_FS_ROOT"] = root.Path, ["Backup__ServiceCommand"] = "/bin/true" };
        var urls = nginxSocket is null ? $"http://127.0.0.1:{port}" : $"http://127.0.0.1:{port};http://unix:{nginxSocket}";
        var service = Start("d3kos-backup-api", environment, "--urls", urls);
        using var client = new HttpClient();
        await WaitForHealthAsync(client, port, service);
        return service;
    }

    public static async Task WaitForHealthAsync(HttpClient client, int port, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Assert.False(process.HasExited, "the service exited during start-up");
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{port}/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or SocketException)
            {
                // Not listening yet.
            }
            await Task.Delay(5);
        }
        Assert.Fail("the service did not answer /health within 30 s");
    }
}
