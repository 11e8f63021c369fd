using System.Diagnostics;

namespace D3kos.Backup.Tests;

/// <summary>The d3kos-backup program as the scripts run it: a process on a boat's root, its streams redirected.</summary>
internal static class CliProcess
{
    public static Process Start(BoatRoot boat, IReadOnlyDictionary<string, string> environment, params string[] args)
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
        start.Environment["D3KOS_FS_ROOT"] = boat.Root.Path;
        start.Environment["Backup__ServiceCommand"] = boat.ServiceCommand;
        start.Environment["Backup__Services__0"] = "d3kos-export-manager";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return Process.Start(start)!;
    }
}
