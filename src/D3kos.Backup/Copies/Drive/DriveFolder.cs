using D3kos.Common.Files;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// Opens a drive's copies folder, after refusing what is not a mounted drive. Root writes there on a path
/// that may cross folders or a drive other users can change (a FAT stick mounted for the d3kos user is
/// theirs), so every later file operation goes through the folder opened here, never by the path again.
/// </summary>
internal static class DriveFolder
{
    /// <summary>
    /// Opens the copies folder (made 0700 if missing). A stick that is not inserted leaves an empty mount
    /// folder on the SD card: writing there would fill the card with copies that are not off it. A mount
    /// point is on another mount than its parent folder (or, on kernels before 5.8, another device), and a
    /// bind mount of a folder of the card itself is refused by the device check. The folders on the way
    /// must be root's (no other user could swap the mount point), and the mount point and the copies
    /// folder are opened without following a symlink.
    /// </summary>
    /// <param name="cardFolder">A folder on the SD card (the backups folder): the drive must be another device.</param>
    /// <param name="create">Make the copies folder when it is missing; without, a drive that has none gives null (a look only).</param>
    public static FolderHandle? Open(CopyTargetOptions target, string mountPath, string cardFolder, bool create)
    {
        if (!FileStat.TryLstat(mountPath, out var found) || !found.IsDirectory)
        {
            throw Unavailable(target, $"there is no folder at {target.Path}: is the drive plugged in and mounted there?");
        }
        var parent = Path.GetDirectoryName(mountPath.TrimEnd('/')) ?? "/";
        if (FolderChain.FirstChangeableByOthers(parent) is { } unsafeFolder)
        {
            throw Unavailable(target, $"another user can change {unsafeFolder}, on the way to the drive, so root will not write there");
        }
        var mount = FolderHandle.Open(mountPath);
        try
        {
            var mountStat = mount.Stat();
            var parentStat = FileStat.Lstat(parent);
            var card = FileStat.Lstat(cardFolder);
            var mountPoint = mountStat.MountId != 0 && parentStat.MountId != 0 ? mountStat.MountId != parentStat.MountId : mountStat.Device != parentStat.Device;
            if (!mountPoint || mountStat.Device == card.Device)
            {
                throw Unavailable(target, $"{target.Path} is a folder on the SD card, not a mounted drive (is the stick inserted?). Nothing was written, so the card does not fill up");
            }
            if (DiskOf(mountStat.Device) is { } disk && disk == DiskOf(card.Device))
            {
                throw Unavailable(target, $"{target.Path} is another partition of the disk the backups are on ({disk}), not a drive that leaves with the copies");
            }
            // The mode is asked for at creation only: FAT, the usual stick's file system, refuses a later
            // chmod and gives every file the mount's mode, which is why a copy is encrypted by default.
            var copies = Path.Combine(mount.ProcPath, DriveTarget.FolderName);
            if (!create && !Directory.Exists(copies))
            {
                return null;
            }
            Directory.CreateDirectory(copies, BackupPaths.FolderMode);
            var folder = mount.OpenFolder(DriveTarget.FolderName);
            // A copies folder another user can change lets them put a FIFO or a link where root reads and
            // renames (a FIFO at a partial copy's name held every copy, and the copy lock, for good).
            if (!FolderChain.ClosedToOthers(folder.Stat()))
            {
                folder.Dispose();
                throw Unavailable(target, $"another user can change {Path.Combine(target.Path, DriveTarget.FolderName)}, so root will not write there; make it root's and not writable by others (on a FAT stick: mount it as root)");
            }
            return folder;
        }
        finally
        {
            mount.Dispose();
        }
    }

    /// <summary>
    /// The whole disk a file system's block device belongs to ("mmcblk0" for the SD card's mmcblk0p1 and
    /// mmcblk0p2), from sysfs; null for one without a block device (tmpfs, overlay, network).
    /// </summary>
    private static string? DiskOf((uint Major, uint Minor) device)
    {
        try
        {
            var node = Directory.ResolveLinkTarget($"/sys/dev/block/{device.Major}:{device.Minor}", returnFinalTarget: true)?.FullName;
            return node is null ? null
                : File.Exists(Path.Combine(node, "partition")) ? Path.GetFileName(Path.GetDirectoryName(node))
                : Path.GetFileName(node);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static BackupException Unavailable(CopyTargetOptions target, string why) =>
        new(BackupError.TargetUnavailable, $"The drive '{target.Name}' cannot take a copy: {why}.");
}
