using System.Diagnostics;

namespace D3kos.Backup.Tests;

/// <summary>GnuPG itself, as the owner would use it on a laptop: decrypts our copies, and makes copies of its own for import.</summary>
internal static class Gpg
{
    /// <summary>Runs gpg in a throw-away home; returns its exit code and what it said on standard error.</summary>
    public static (int Code, string Error) Run(params string[] args)
    {
        var home = Directory.CreateTempSubdirectory("d3kos-gnupg-");
        try
        {
            File.SetUnixFileMode(home.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var start = new ProcessStartInfo("gpg") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in (string[])["--homedir", home.FullName, "--batch", "--yes", "--pinentry-mode", "loopback", .. args])
            {
                start.ArgumentList.Add(arg);
            }
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            _ = output.Result;
            // gpg-agent started for this home keeps running otherwise.
            using var kill = Process.Start(new ProcessStartInfo("gpgconf", ["--homedir", home.FullName, "--kill", "gpg-agent"]) { RedirectStandardError = true });
            kill?.WaitForExit();
            return (process.ExitCode, error);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    public static void Decrypt(string encrypted, string output, string passphrase)
    {
        var (code, error) = Run("--passphrase", passphrase, "--output", output, "--decrypt", encrypted);
        Assert.True(code == 0, $"gpg --decrypt failed: {error}");
    }
}
