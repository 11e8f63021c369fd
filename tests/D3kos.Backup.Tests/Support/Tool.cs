using System.Diagnostics;

namespace D3kos.Backup.Tests;

/// <summary>A system program the tests use as the owner would (tar, mount, mkfs, sha256sum).</summary>
internal static class Tool
{
    /// <summary>Runs it to the end and returns its output; fails the test, with what it said, on a non-zero exit.</summary>
    public static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} failed: {error}");
        return output.Result;
    }
}
