using System.Diagnostics;

namespace D3kos.Backup.Tests;

/// <summary>The d3kos-backup program as the scripts run it: a process on a boat's root, its streams redirected.</summary>
internal static class CliProcess
{
    /// <summary>On the boat's root; <paramref name="environment"/> adds to the boat's settings or overrides them.</summary>
    public static Process Start(BoatRoot boat, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var settings = new Dictionary<string, string>
        {
            ["D3KOS_FS_ROOT"] = boat.Root.Path,
            ["Backup__ServiceCommand"] = boat.ServiceCommand,
            ["Backup__Services__0"] = "d3kos-export-manager",
        };
        foreach (var (key, value) in environment)
        {
            settings[key] = value;
        }
        return Start(settings, args);
    }

    /// <summary>Without a boat: for what needs no root, such as the help.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
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
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return Process.Start(start)!;
    }
}
