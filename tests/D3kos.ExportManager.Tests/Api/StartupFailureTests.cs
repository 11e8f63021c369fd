using System.Diagnostics;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>
/// A service that cannot start says why in one sentence naming the setting and exits 78 (EX_CONFIG,
/// which the unit's RestartPreventExitStatus keeps from looping), never with a stack trace and SIGABRT.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);

    [Theory]
    [InlineData("Export__MaxAttempts", "abc", "Invalid setting Export:MaxAttempts: 'abc' is not a whole number.")]
    [InlineData("Export__RetryDelay", "soon", "Invalid setting Export:RetryDelay: 'soon' is not a time span such as 00:05:00.")]
    [InlineData("Central__Url", "ftp://shore", "Invalid setting: Central:Url must be an absolute http, https, file or s3 URL, not 'ftp://shore'")]
    [InlineData("Export__ProcessInterval", "00:00:00", "Invalid setting: Export:ProcessInterval must be between 00:00:01 and 1.00:00:00.")]
    [InlineData("Central__Timeout", "02:00:00", "Invalid setting: Central:Timeout must be between 00:00:01 and 01:00:00.")]
    [InlineData("Auth__MaxFailures", "0", "Invalid setting: Auth:MaxFailures must be between 1 and 2147483647.")]
    [InlineData("Auth__Token", "short", "Invalid setting: Auth:Token must be at least 16 characters")]
    public async Task An_invalid_setting_stops_the_service_with_one_sentence(string key, string value, string expected)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "d3kos-export-manager.dll"), "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["D3KOS_FS_ROOT"] = _root.Path;
        start.Environment[key] = value;
        using var service = Process.Start(start)!;
        var output = service.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = service.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await service.WaitForExitAsync(timeout.Token);

        Assert.Equal(78, service.ExitCode);
        var line = Assert.Single((await error).TrimEnd('\n').Split('\n'));
        Assert.StartsWith("d3kos-export-manager cannot run: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_systemd_each_log_line_carries_its_journald_priority()
    {
        // A broken queue file is logged as an error at start; normal start-up lines are information.
        _root.Write("/opt/d3kos/data/exports/export_queue.json", "{ this is not json");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "d3kos-export-manager.dll"), "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["D3KOS_FS_ROOT"] = _root.Path;
        start.Environment["JOURNAL_STREAM"] = "8:12345"; // what systemd sets for a service's standard output
        using var service = Process.Start(start)!;
        var lines = new List<string>();
        while (await service.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            lines.Add(line);
            if (line.Contains("Application started", StringComparison.Ordinal))
            {
                break;
            }
        }
        service.Kill(entireProcessTree: true);
        await service.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Contains(lines, l => l.StartsWith("<3>[ERR]", StringComparison.Ordinal) && l.Contains("Queue file was broken", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("<6>[INF]", StringComparison.Ordinal));
    }

    public void Dispose() => _root.Dispose();
}
