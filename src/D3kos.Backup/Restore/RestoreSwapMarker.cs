namespace D3kos.Backup;

/// <summary>
/// Says, while a restore has the services stopped to swap their folders, that they must not start. A service
/// whose port is systemd's (the export manager's .socket) is started again by the next connection to it, the
/// owner's page polling it included; its unit's ExecStartPre waits while this file exists, so it starts on
/// the new files, not on the old ones half swapped. Written only where the sockets' folder exists (/run/d3kos,
/// made by systemd), readable by every user, gone at a reboot.
/// </summary>
internal static class RestoreSwapMarker
{
    public const string PiPath = "/run/d3kos/restore-swapping";

    public static void Set(BackupPaths paths)
    {
        var marker = paths.Root.Resolve(PiPath);
        if (Directory.Exists(Path.GetDirectoryName(marker)))
        {
            File.WriteAllText(marker, $"{Environment.ProcessId}\n");
        }
    }

    public static void Clear(BackupPaths paths) => D3kos.Common.Files.AtomicFile.TryDelete(paths.Root.Resolve(PiPath));
}
