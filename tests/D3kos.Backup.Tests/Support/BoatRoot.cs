using D3kos.Testing;

namespace D3kos.Backup.Tests;

/// <summary>A test root seeded like a boat: every default source, a database, a symlink, and a service-command recorder.</summary>
internal sealed class BoatRoot : IDisposable
{
    /// <param name="empty">A new Pi: nothing in the root but the service-command recorder beside it.</param>
    public BoatRoot(bool empty = false)
    {
        ServiceLog = Path.Combine(_tools.FullName, "service-commands.log");
        ServiceCommand = Path.Combine(_tools.FullName, "record-service.sh");
        File.WriteAllText(ServiceCommand, $"#!/bin/sh\necho \"$1 $2\" >> {ServiceLog}\n");
        File.SetUnixFileMode(ServiceCommand, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (empty)
        {
            return;
        }
        Root.WithLicense(tier: 1, installationId: "aaaaaaaaaaaaaaaa");
        Root.Write("/opt/d3kos/config/user-preferences.json", """{"units":"metric"}""");
        Root.Write("/opt/d3kos/config/api-keys.json", """{"openai":"sk-test"}""");
        Root.Write("/opt/d3kos/data/maintenance-log.json", "[]");
        Root.WithBoatlog([(1L, "2026-02-20T12:00:00", "position", "Left Port Credit", 43.5503, -79.5214)]);
        Root.Write("/var/www/html/index.html", "<h1>d3kOS</h1>");
        Root.Write("/home/d3kos/.signalk/settings.json", """{"port":3000}""");
        Root.Write("/home/d3kos/.node-red/flows.json", "[]");
        File.CreateSymbolicLink(Root.At("/opt/d3kos/config/current-prefs.json"), "user-preferences.json");
        Root.Write("/opt/d3kos/config/.settings.json.1234.tmp", "half-written");
    }

    // The recorder lives beside the root, not in it: the tests compare the root before and after.
    private readonly DirectoryInfo _tools = Directory.CreateTempSubdirectory("d3kos-tools-");

    public TempRoot Root { get; } = new();

    public string ServiceLog { get; }

    public string ServiceCommand { get; }

    public string BackupsFolder => Root.At("/opt/d3kos/backups");

    public string[] ServiceCommands => File.Exists(ServiceLog) ? File.ReadAllLines(ServiceLog) : [];

    public Dictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["D3KOS_FS_ROOT"] = Root.Path,
            ["Backup:ServiceCommand"] = ServiceCommand,
            ["Backup:Services:0"] = "d3kos-export-manager",
            ["Backup:Services:1"] = "signalk",
            ["Auth:AllowUnauthenticatedLoopback"] = "true",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Runs GNU tar and returns its output; fails the test on a non-zero exit.</summary>
    public static string Tar(params string[] args) => Tool.Run("tar", args);

    public void Dispose()
    {
        Root.Dispose();
        _tools.Delete(recursive: true);
    }
}
