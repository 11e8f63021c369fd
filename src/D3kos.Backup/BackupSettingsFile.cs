using D3kos.Common.Files;
using Microsoft.Extensions.Configuration;

namespace D3kos.Backup;

/// <summary>
/// The backup settings the backup API and the CLI both read: /etc/d3kos/backup.json (ASP.NET Core's JSON
/// configuration: {"Backup": {"Schedule": {…}, "Targets": [{…}]}}), optional, with environment variables
/// and the command line still above it. One file for both, because the CLI applies the same retention and
/// copies to the same targets: a drop-in that only the service saw would leave `sudo d3kos-backup` with the
/// defaults, and its retention would delete automatic backups the service was told to keep. Outside the
/// backed-up sources: a restore never changes where this Pi's copies go.
/// </summary>
public static class BackupSettingsFile
{
    public const string PiPath = "/etc/d3kos/backup.json";

    /// <summary>Adds the file, then the environment (and the command line) again so they keep the last word.</summary>
    public static IConfigurationBuilder AddBackupSettings(this IConfigurationBuilder configuration, string[] args)
    {
        var root = new D3kosRoot(Environment.GetEnvironmentVariable(D3kosRoot.ConfigurationKey)
            ?? configuration.Build()[D3kosRoot.ConfigurationKey]);
        return configuration
            .AddJsonFile(root.Resolve(PiPath), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args);
    }
}
