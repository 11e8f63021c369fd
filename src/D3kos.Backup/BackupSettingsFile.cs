using D3kos.Common.Files;
using D3kos.Common.Hosting;
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

    /// <summary>
    /// Adds the file, then the environment (and the command line) again so they keep the last word. The file
    /// can name the service command that root runs: it is refused unless it and every folder above it are
    /// root's alone.
    /// </summary>
    public static IConfigurationBuilder AddBackupSettings(this IConfigurationBuilder configuration, string[] args)
    {
        // The root as the program will use it: the command line over the environment, as for every setting.
        var root = new D3kosRoot(new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build()[D3kosRoot.ConfigurationKey]
            ?? configuration.Build()[D3kosRoot.ConfigurationKey]);
        var file = root.Resolve(PiPath);
        if (File.Exists(file) && FolderChain.FirstChangeableByOthers(file) is { } changeable)
        {
            throw new ConfigurationRefusedException($"The settings file {PiPath} is not used: another user can change {changeable}. Make it and its folders root's and not writable by others.");
        }
        return configuration
            .AddJsonFile(file, optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args);
    }
}
