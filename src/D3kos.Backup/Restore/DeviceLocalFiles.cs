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
        AuthOptions.DefaultTokenFile,
        AuthOptions.DefaultTokenFile + ".sha256",
        BackupPassphrase.PiPath,
        D3kos.Common.Storage.CentralSecret.PiFile,
    ];

    /// <summary>
    /// Device-local files that are never put into a backup at all: whoever holds a backup (a download on a
    /// laptop, an unencrypted stick, a bucket) must not hold the key to the copies or to the boat's API.
    /// </summary>
    /// <remarks>
    /// The S3 secret keys, the sessions and the pairing codes live in /var/lib/d3kos, outside the default
    /// sources; listed here too, so a source set wider by the owner ("/var") still leaves them out.
    /// </remarks>
    public static readonly IReadOnlyList<string> NeverArchived =
        [AuthOptions.DefaultTokenFile, AuthOptions.DefaultTokenFile + ".sha256", BackupPassphrase.PiPath, CopySecrets.PiFolder, D3kos.Common.Storage.CentralSecret.PiFile, AuthOptions.SessionsFolder, AuthOptions.PairingFolder];

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
            var staged = stagedPath(member, source);
            var live = paths.Root.Resolve(piPath);
            if (Directory.Exists(Path.GetDirectoryName(staged)))
            {
                File.Delete(staged); // whatever the backup held there, a dangling symlink included; nothing when absent
            }
            if (!BackupCatalog.IsRegularFile(live))
            {
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
            File.Copy(live, staged);
            var stat = FileStat.Lstat(live);
            File.SetUnixFileMode(staged, stat.Permissions);
            UnixFile.SetOwner(staged, stat.Uid, stat.Gid);
        }
    }
}
