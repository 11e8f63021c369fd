using D3kos.Common.Files;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// Where a restore may unpack a source without another user being able to swap what it writes into.
/// A restore runs as root; a source such as /home/d3kos/.signalk lives in a folder the d3kos user owns,
/// who could rename a staging folder made there and put a symlink in its place, so root would write
/// through it into /etc. Staging therefore goes in the nearest folder above the source that no other
/// user can change, nor any folder on the way to it from /: owned by root or by this user, not
/// writable by group or others unless the sticky bit protects the entries. It must be on the same file
/// system and mount as the source, because the swap is a rename; if no such folder exists the restore is refused.
/// Inside it the work folder is 0700 with an unguessable name, so its whole tree is ours alone.
/// The final renames into the live place do not follow a symlink there (rename(2) replaces the name).
/// </summary>
internal static class SafeStaging
{
    public static string ParentFor(string livePath)
    {
        var sourceParent = Path.GetDirectoryName(livePath)!;
        var existing = sourceParent;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing)!;
        }
        var sourceStat = FileStat.Lstat(existing);

        // Folders from / down to the source's parent; the deepest one whose whole chain is safe wins.
        string? safe = null;
        foreach (var folder in FolderChain.FromRoot(existing))
        {
            var stat = FileStat.Lstat(folder);
            if (!stat.IsDirectory || !FolderChain.ClosedToOthers(stat))
            {
                break;
            }
            // Same disk and same mount: under systemd's ReadWritePaths a folder can be a bind mount of
            // the disk it is on, and rename(2) does not cross mounts either.
            if (stat.Device == sourceStat.Device && stat.MountId == sourceStat.MountId)
            {
                safe = folder;
            }
        }
        return safe ?? throw new BackupException(BackupError.RestoreFailed,
            $"Restore refused, nothing was changed: {sourceParent} can be changed by another user and no folder above it on the same disk is safe to unpack into.");
    }
}
