using System.Diagnostics;

namespace D3kos.Backup.Tests;

/// <summary>The d3kos-backup program itself, run as a process the way the scripts run it.</summary>
public sealed class CliTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    private (int Code, string Out, string Error) Run(string stdin, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "d3kos-backup"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["D3KOS_FS_ROOT"] = _boat.Root.Path;
        start.Environment["Backup__ServiceCommand"] = _boat.ServiceCommand;
        start.Environment["Backup__Services__0"] = "d3kos-export-manager";
        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "d3kos-backup did not finish");
        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void Create_PrintsWhatTheOldScriptPrinted()
    {
        var (code, output, _) = Run("", "create");

        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Equal("Creating d3kOS backup...", lines[0]);
        Assert.Matches(@"^Backup created: .*/opt/d3kos/backups/d3kos_backup_\d{8}_\d{6}\.tar\.gz$", lines[1]);
        Assert.Matches(@"^Size: [0-9.]+[KMG]?$", lines[2]);
    }

    [Fact]
    public void Restore_WithoutFile_ListsTheBackups()
    {
        Run("", "create");

        var (code, output, _) = Run("", "restore");

        Assert.Equal(0, code);
        Assert.Contains("d3kos_backup_", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_WithoutYesAndWithoutATerminal_RefusesAndChangesNothing()
    {
        Run("", "create");
        var name = Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz").Select(Path.GetFileName).Single()!;
        _boat.Root.Write("/var/www/html/index.html", "changed");

        var (code, _, error) = Run("yes\n", "restore", name);

        Assert.Equal(2, code);
        Assert.Contains("--yes", error, StringComparison.Ordinal);
        Assert.Equal("changed", File.ReadAllText(_boat.Root.At("/var/www/html/index.html")));
    }

    [Fact]
    public void Restore_WithYes_Restores()
    {
        Run("", "create");
        var name = Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz").Select(Path.GetFileName).Single()!;
        var original = File.ReadAllText(_boat.Root.At("/var/www/html/index.html"));
        _boat.Root.Write("/var/www/html/index.html", "changed");

        var (code, output, _) = Run("", "restore", name, "--yes");

        Assert.Equal(0, code);
        Assert.Contains("Safety backup of the previous state: d3kos_prerestore_", output, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(_boat.Root.At("/var/www/html/index.html")));
    }

    [Fact]
    public void Verify_ExitCodesSayWhetherTheArchiveIsGood()
    {
        Run("", "create");
        var path = Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz").Single();

        Assert.Equal(0, Run("", "verify", Path.GetFileName(path)).Code);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..200]);
        Assert.Equal(4, Run("", "verify", path).Code);
        Assert.Equal(6, Run("", "verify", "d3kos_backup_20200101_000000.tar.gz").Code);
        Assert.Equal(6, Run("", "verify", "../no/such/file.tar.gz").Code);
        Assert.Equal(2, Run("", "verify", "passwd").Code);
    }

    [Fact]
    public void UnknownCommand_PrintsUsageAndExits2()
    {
        var (code, _, error) = Run("", "explode");

        Assert.Equal(2, code);
        Assert.Contains("Usage: d3kos-backup", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WhileTheApiHoldsTheLock_Exits3()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        using var held = BackupLock.Acquire(manager.Paths);

        var (code, _, error) = Run("", "create");

        Assert.Equal(3, code);
        Assert.Contains("Another backup or restore is running", error, StringComparison.Ordinal);
    }

    public void Dispose() => _boat.Dispose();
}
