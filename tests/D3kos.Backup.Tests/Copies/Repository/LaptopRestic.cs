using System.Diagnostics;

namespace D3kos.Backup.Tests;

/// <summary>
/// The real restic as the owner runs it on a laptop: the repository, the passphrase typed in (here its
/// variable) and, for a bucket, its keys; nothing from the boat. No cache, as on a laptop that never saw it.
/// </summary>
internal static class LaptopRestic
{
    public const string Program = "/usr/bin/restic";

    public static void SkipUnlessInstalled() => Assert.SkipUnless(File.Exists(Program), "restic is not installed (apt-get install restic)");

    public static (int Code, string Output, string Error) Run(string repository, IReadOnlyDictionary<string, string>? keys, params string[] args) =>
        RunWith(ShoreTarget.Passphrase, repository, keys, args);

    /// <summary>In <paramref name="folder"/>, as "restic backup ." is run there.</summary>
    public static (int Code, string Output, string Error) RunIn(string folder, string repository, params string[] args) =>
        RunWith(ShoreTarget.Passphrase, repository, null, args, folder);

    /// <summary>With another passphrase than the boat's first one.</summary>
    public static (int Code, string Output, string Error) RunWith(string passphrase, string repository, params string[] args) =>
        RunWith(passphrase, repository, null, args);

    private static (int Code, string Output, string Error) RunWith(string passphrase, string repository, IReadOnlyDictionary<string, string>? keys, string[] args,
        string? folder = null)
    {
        var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = folder ?? "" };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("RESTIC_", StringComparison.Ordinal) || k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["RESTIC_PASSWORD"] = passphrase;
        foreach (var (name, value) in keys ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        foreach (var arg in (string[])["--repo", repository, "--no-cache", .. args])
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    public static string RunOk(string repository, IReadOnlyDictionary<string, string>? keys, params string[] args)
    {
        var (code, output, error) = Run(repository, keys, args);
        Assert.True(code == 0, $"restic {string.Join(' ', args)} failed ({code}): {error}");
        return output;
    }

    /// <summary>
    /// restic restore of the latest snapshot into <paramref name="scratch"/>: the backup's manifest and every file,
    /// folder and link in it, byte for byte as GNU tar unpacks the backup itself.
    /// </summary>
    public static void AssertRestoresTheBackup(string repository, IReadOnlyDictionary<string, string>? keys, string backupPath, string scratch)
    {
        var unpacked = Directory.CreateTempSubdirectory("d3kos-tar-").FullName;
        try
        {
            RunOk(repository, keys, "restore", "latest", "--target", scratch);
            BoatRoot.Tar("-xzf", backupPath, "-C", unpacked);
            Assert.True(File.Exists(Path.Combine(scratch, "d3kos-backup.json")), "the snapshot holds the backup's manifest");
            TreeSnapshot.AssertSame(TreeSnapshot.Take(unpacked), TreeSnapshot.Take(scratch));
        }
        finally
        {
            Directory.Delete(unpacked, recursive: true);
        }
    }
}
