using D3kos.Common.Files;
using D3kos.Common.Interop;
using D3kos.Common.Security;

namespace D3kos.Backup;

/// <summary>
/// Files that belong to this device, not to the boat's data: a restore keeps the live ones, whatever
/// the backup holds, as it keeps the installation id. Restoring an old backup must not silently change
/// the access token (or, from a backup made before install, delete it so every admin call answers 403).
/// </summary>
internal static class DeviceLocalFiles
{
    /// <summary>The list, as paths on the Pi; the restore tests check each one.</summary>
    public static readonly IReadOnlyList<string> PiPaths =
    [
        "/opt/d3kos/config/api-token",
        "/opt/d3kos/config/api-token.sha256",
        BackupPassphrase.PiPath,
    ];

    /// <summary>
    /// Device-local folders of small files, kept as the files are: the browsers' sessions (a restore run from
    /// the page must not sign its owner out) and the pairing codes waiting to be taken.
    /// </summary>
    public static readonly IReadOnlyList<string> PiFolders = [AuthOptions.SessionsFolder, AuthOptions.PairingFolder];

    /// <summary>
    /// Never put into a backup at all: the key to the copies must not travel inside them, and sessions and
    /// pairing codes belong to this Pi's browsers, not to a boat's data.
    /// </summary>
    public static readonly IReadOnlyList<string> NeverArchived = [BackupPassphrase.PiPath, .. PiFolders];

    /// <summary>Makes each staged device-local file the live one: copied in when it exists, removed from staging when it does not.</summary>
    public static void KeepLive(BackupPaths paths, IReadOnlyList<BackupSource> sources, Func<string, BackupSource, string> stagedPath)
    {
        foreach (var piPath in PiPaths)
        {
            var member = piPath.TrimStart('/');
            if (sources.FirstOrDefault(s => s.Contains(member)) is not { } source)
            {
                continue; // the restore does not replace the folder that holds it
            }
            KeepLiveFile(paths.Root.Resolve(piPath), stagedPath(member, source));
        }
        foreach (var piFolder in PiFolders)
        {
            var member = piFolder.TrimStart('/');
            if (sources.FirstOrDefault(s => s.Contains(member)) is not { } source)
            {
                continue;
            }
            var live = paths.Root.Resolve(piFolder);
            var staged = stagedPath(member, source);
            // A backup never holds these; one made elsewhere might: whatever it put there is not this Pi's.
            if (LibC.TryStat(staged, out var stagedStat))
            {
                if (stagedStat.IsDirectory)
                {
                    Directory.Delete(staged, recursive: true);
                }
                else
                {
                    File.Delete(staged);
                }
            }
            if (!LibC.TryStat(live, out var folder) || !folder.IsDirectory)
            {
                continue;
            }
            Directory.CreateDirectory(staged);
            File.SetUnixFileMode(staged, folder.Permissions);
            LibC.SetOwner(staged, folder.Uid, folder.Gid);
            // A browser may sign in or out meanwhile: a file that is gone by the time it is copied is left out,
            // and temporary files are never copied.
            foreach (var file in Directory.EnumerateFiles(live).Where(OwnerSessions.IsStoredName))
            {
                try
                {
                    KeepLiveFile(file, Path.Combine(staged, Path.GetFileName(file)));
                }
                catch (Exception ex) when (ex is FileNotFoundException || (ex is IOException && !LibC.TryStat(file, out _)))
                {
                    AtomicFile.TryDelete(Path.Combine(staged, Path.GetFileName(file)));
                }
            }
        }
    }

    /// <summary>The live file in place of the staged one, with its mode and owner; none when the live one is not a plain file.</summary>
    private static void KeepLiveFile(string live, string staged)
    {
        if (Directory.Exists(Path.GetDirectoryName(staged)))
        {
            File.Delete(staged); // whatever the backup held there, a dangling symlink included; nothing when absent
        }
        if (!BackupCatalog.IsRegularFile(live))
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
        File.Copy(live, staged);
        var stat = LibC.Stat(live);
        File.SetUnixFileMode(staged, stat.Permissions);
        LibC.SetOwner(staged, stat.Uid, stat.Gid);
    }
}
