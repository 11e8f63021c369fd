using D3kos.Common.Files;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// A USB stick or disk mounted on the Pi. Copies go to its "d3kos-backups" folder: written under a partial
/// name, flushed, read back from the drive and checked, then renamed in; retention there keeps the target's
/// own count and touches nothing else on the drive. Root writes here on a path that may cross folders or a
/// drive that other users can change (a FAT stick mounted for the d3kos user is theirs), so every file
/// operation goes through the copies folder opened once, without following a symlink (<see cref="Open"/>).
/// </summary>
internal sealed class DriveTarget(CopyTargetOptions target, string mountPath)
{
    public const string FolderName = "d3kos-backups";

    private const int BufferSize = 1 << 16;

    /// <summary>
    /// Opens the drive's copies folder (made 0700 if missing), after refusing what is not a mounted drive.
    /// A stick that is not inserted leaves an empty mount folder on the SD card: writing there would fill
    /// the card with copies that are not off it. A mount point is on another mount than its parent folder
    /// (or, on kernels before 5.8, another device), and a bind mount of a folder of the card itself is
    /// refused by the device check. The folders on the way must be root's (no other user could swap the
    /// mount point), and the mount point and the copies folder are opened without following a symlink.
    /// </summary>
    /// <param name="create">Make the copies folder when it is missing; without, a drive that has none gives null (the status only looks).</param>
    public FolderHandle? Open(string cardFolder, bool create = true)
    {
        if (!FileStat.TryLstat(mountPath, out var found) || !found.IsDirectory)
        {
            throw Unavailable($"there is no folder at {target.Path}: is the drive plugged in and mounted there?");
        }
        var parent = Path.GetDirectoryName(mountPath.TrimEnd('/')) ?? "/";
        if (FolderChain.FirstChangeableByOthers(parent) is { } unsafeFolder)
        {
            throw Unavailable($"another user can change {unsafeFolder}, on the way to the drive, so root will not write there");
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
                throw Unavailable($"{target.Path} is a folder on the SD card, not a mounted drive (is the stick inserted?). Nothing was written, so the card does not fill up");
            }
            if (DiskOf(mountStat.Device) is { } disk && disk == DiskOf(card.Device))
            {
                throw Unavailable($"{target.Path} is another partition of the disk the backups are on ({disk}), not a drive that leaves with the copies");
            }
            // The mode is asked for at creation only: FAT, the usual stick's file system, refuses a later
            // chmod and gives every file the mount's mode, which is why a copy is encrypted by default.
            var copies = Path.Combine(mount.ProcPath, FolderName);
            if (!create && !Directory.Exists(copies))
            {
                return null;
            }
            Directory.CreateDirectory(copies, BackupPaths.FolderMode);
            return mount.OpenFolder(FolderName);
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

    /// <summary>Writes one copy into the opened copies folder and checks it; returns its file name and size. Called under the copy lock.</summary>
    /// <param name="sha256">The local backup's checksum: the bytes read for the copy and the bytes read back must both match it.</param>
    public (string Name, long Size) Write(FolderHandle copies, string backup, string sha256, char[]? passphrase, long margin)
    {
        var name = CopyNames.For(Path.GetFileName(backup), passphrase is not null);
        RemoveUnfinished(copies);
        // The encrypted copy is the backup plus a few hundred bytes of OpenPGP framing.
        var needed = new FileInfo(backup).Length + 64 * 1024;
        MakeRoom(copies, name, needed + margin);
        FreeSpace.Ensure(copies.ProcPath, needed, margin, $"on the drive '{target.Name}'", "The local backup is kept; nothing was written to the drive.");
        var partial = Path.Combine(copies.ProcPath, $".{name}.{Guid.NewGuid():N}.partial");
        var final = Path.Combine(copies.ProcPath, name);
        try
        {
            // CreateNew (O_EXCL) never opens an existing name or follows a symlink put there.
            using (var output = new FileStream(partial, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                BufferSize = BufferSize,
                UnixCreateMode = BackupPaths.ArchiveMode,
            }))
            {
                using (var input = new FileStream(backup, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize))
                using (var hashing = new HashingStream(input))
                {
                    if (passphrase is null)
                    {
                        hashing.CopyTo(output, BufferSize);
                    }
                    else
                    {
                        OpenPgpFile.Encrypt(hashing, output, passphrase, Path.GetFileName(backup), File.GetLastWriteTimeUtc(backup));
                    }
                    if (hashing.TakeHashHex() != sha256)
                    {
                        throw new BackupException(BackupError.InvalidArchive,
                            $"The local backup {Path.GetFileName(backup)} no longer matches its checksum (the card may be failing), so it was not copied; run verify on it.");
                    }
                }
                output.Flush(flushToDisk: true);
                UnixFile.DropCachedPages(output.SafeFileHandle);
            }
            if (ReadBack(partial, passphrase) != sha256)
            {
                throw Unavailable("the copy does not read back as it was written (the drive may be failing); it was removed");
            }
            AtomicFile.MoveDurably(partial, final, overwrite: true);
            if (passphrase is null)
            {
                // sha256sum -c on any computer checks a plain copy; an encrypted one carries its own integrity code.
                BackupCatalog.WriteChecksum(final, sha256);
            }
            return (name, new FileInfo(final).Length);
        }
        finally
        {
            AtomicFile.TryDelete(partial);
        }
    }

    /// <summary>The SHA-256 of the backup as the drive gives it back (decrypted, and its integrity code checked, when encrypted).</summary>
    private static string ReadBack(string copy, char[]? passphrase)
    {
        using var file = new FileStream(copy, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        using var content = passphrase is null ? file : OpenPgpFile.OpenDecrypting(file, passphrase);
        using var hashing = new HashingStream(content, leaveOpen: true);
        hashing.CopyTo(Stream.Null, BufferSize);
        return hashing.TakeHashHex();
    }

    /// <summary>The copies in the folder, newest first (by the backup's name, which is the order of making).</summary>
    public static IReadOnlyList<string> Copies(string folder) => Directory.Exists(folder)
        ? CopyNames.NewestFirst(Directory.EnumerateFiles(folder).Select(path => Path.GetFileName(path)))
        : [];

    /// <summary>Keeps the newest <see cref="CopyTargetOptions.Keep"/> copies; never the one just written, nothing that is not a copy.</summary>
    public IReadOnlyList<string> ApplyRetention(FolderHandle copies, string justWritten)
    {
        var doomed = Copies(copies.ProcPath).Skip(target.Keep).Where(n => n != justWritten).ToList();
        foreach (var name in doomed)
        {
            BackupCatalog.Delete(Path.Combine(copies.ProcPath, name));
        }
        if (doomed.Count > 0)
        {
            copies.Flush();
        }
        return doomed;
    }

    /// <summary>
    /// On a drive too full for the next copy, removes first the copies that retention removes anyway once it
    /// is written (all but the newest Keep - 1, never one of the same name), and only when that is enough:
    /// otherwise nothing is touched and the copy is refused as the drive is. Without this, a stick that filled
    /// up would refuse every later copy while holding only older ones.
    /// </summary>
    private void MakeRoom(FolderHandle copies, string name, long wanted)
    {
        var free = new DriveInfo(copies.ProcPath).AvailableFreeSpace;
        if (free >= wanted)
        {
            return;
        }
        var doomed = Copies(copies.ProcPath).Skip(Math.Max(1, target.Keep - 1)).Where(n => n != name).ToList();
        var freed = doomed.Sum(n => new FileInfo(Path.Combine(copies.ProcPath, n)).Length);
        if (free + freed < wanted)
        {
            return;
        }
        foreach (var old in doomed)
        {
            BackupCatalog.Delete(Path.Combine(copies.ProcPath, old));
        }
        copies.Flush();
    }

    /// <summary>
    /// Removes partial copies (and checksum files) that a copy cut off by a crash, a power cut or a pulled
    /// stick left on the drive: only the copy that holds the copy lock writes them, so any found now is dead.
    /// </summary>
    private static void RemoveUnfinished(FolderHandle copies)
    {
        // ".d3kos_….partial": a copy; ".d3kos_….sha256.<id>.tmp": its checksum file being written.
        foreach (var stale in Directory.EnumerateFiles(copies.ProcPath, ".d3kos_*").Where(n => n.EndsWith(".partial", StringComparison.Ordinal) || n.EndsWith(".tmp", StringComparison.Ordinal)))
        {
            AtomicFile.TryDelete(stale);
        }
    }

    private BackupException Unavailable(string why) =>
        new(BackupError.TargetUnavailable, $"The drive '{target.Name}' cannot take a copy: {why}.");
}
