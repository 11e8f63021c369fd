using System.Diagnostics;
using System.Security.Cryptography;

namespace D3kos.Backup.Tests;

/// <summary>Ctrl+C during a long command: it stops, removes what it began, releases the lock and says so.</summary>
public sealed class CtrlCTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Fact]
    public void Ctrl_c_during_a_create_removes_the_partial_files_releases_the_lock_and_exits_130()
    {
        // Many files, so the walk is between two of them when the signal comes, however fast the machine.
        var chunk = new byte[2 << 20];
        for (var i = 0; i < 200; i++)
        {
            RandomNumberGenerator.Fill(chunk);
            File.WriteAllBytes(_boat.Root.At($"/opt/d3kos/data/track-{i:000}.bin"), chunk);
        }
        using var create = Start("create");
        Assert.True(SpinWait.SpinUntil(() => (Directory.Exists(_boat.BackupsFolder) && Directory.EnumerateFiles(_boat.BackupsFolder, "*.partial").Any()) || create.HasExited, 60_000),
            "the backup never started writing");
        Assert.False(create.HasExited, "the backup finished before it could be interrupted");

        Tool.Run("kill", "-INT", create.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var error = create.StandardError.ReadToEnd();
        Assert.True(create.WaitForExit(60_000), "d3kos-backup did not stop");

        Assert.Equal(130, create.ExitCode);
        Assert.StartsWith("Stopped: no backup was made", error.Trim(), StringComparison.Ordinal);
        var left = Directory.EnumerateFileSystemEntries(_boat.BackupsFolder).Select(Path.GetFileName).Where(name => !name!.EndsWith(".lock", StringComparison.Ordinal));
        Assert.Equal([], left);
        // The lock is free and nothing is left to clean up: the next command runs without a warning.
        using var list = Start("list");
        var listError = list.StandardError.ReadToEnd();
        Assert.True(list.WaitForExit(60_000));
        Assert.Equal(0, list.ExitCode);
        Assert.Equal("", listError);
    }

    private Process Start(params string[] args)
    {
        var process = CliProcess.Start(_boat, new Dictionary<string, string>(), args);
        process.StandardInput.Close();
        return process;
    }

    public void Dispose() => _boat.Dispose();
}
