using D3kos.Common.Files;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// A USB stick or disk mounted on the Pi. Copies go to its "d3kos-backups" folder: written under a partial
/// name, flushed, read back from the drive and checked, then renamed in; retention there keeps the target's
/// own count and touches nothing else on the drive.
/// </summary>
internal sealed class DriveTarget(CopyTargetOptions target, string mountPath)
{
    public const string FolderName = "d3kos-backups";

    private const int BufferSize = 1 << 16;

    public string Folder => Path.Combine(mountPath, FolderName);

    /// <summary>
    /// Refuses a path that is not a mounted file system other than the card's. A stick that is not inserted
    /// leaves an empty mount folder on the SD card: writing there would fill the card with copies that are
    /// not off it. A mount point is on another mount than its parent folder (or, on kernels before 5.8,
    /// another device); a bind mount of a folder of the card itself is refused by the device check.
    /// </summary>
    public void EnsureMounted(string cardFolder)
    {
        if (!LibC.TryStat(mountPath, out var mount) || !mount.IsDirectory)
        {
            throw Unavailable($"there is no folder at {target.Path}: is the drive plugged in and mounted there?");
        }
        var parent = LibC.Stat(Path.GetDirectoryName(mountPath.TrimEnd('/')) ?? "/");
        var card = LibC.Stat(cardFolder);
        var mountPoint = mount.MountId != 0 && parent.MountId != 0 ? mount.MountId != parent.MountId : mount.Device != parent.Device;
        if (!mountPoint || mount.Device == card.Device)
        {
            throw Unavailable($"{target.Path} is a folder on the SD card, not a mounted drive (is the stick inserted?). Nothing was written, so the card does not fill up");
        }
    }

    /// <summary>Writes one copy and checks it; returns its file name on the drive and its size.</summary>
    /// <param name="sha256">The local backup's checksum: the bytes read for the copy and the bytes read back must both match it.</param>
    public (string Name, long Size) Write(string backup, string sha256, char[]? passphrase, long margin)
    {
        var name = Path.GetFileName(backup) + (passphrase is null ? "" : OpenPgpFile.Extension);
        // The modes are asked for at creation only: FAT, the usual stick's file system, refuses a later
        // chmod and gives every file the mount's mode, which is why a copy is encrypted by default.
        Directory.CreateDirectory(Folder, BackupPaths.FolderMode);
        // The encrypted copy is the backup plus a few hundred bytes of OpenPGP framing.
        FreeSpace.Ensure(Folder, new FileInfo(backup).Length + 64 * 1024, margin, $"on the drive '{target.Name}'", "The local backup is kept; nothing was written to the drive.");
        var partial = Path.Combine(Folder, $".{name}.{Guid.NewGuid():N}.partial");
        try
        {
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
                LibC.DropCachedPages(output.SafeFileHandle);
            }
            if (ReadBack(partial, passphrase) != sha256)
            {
                throw Unavailable("the copy does not read back as it was written (the drive may be failing); it was removed");
            }
            AtomicFile.MoveDurably(partial, Path.Combine(Folder, name), overwrite: true);
            if (passphrase is null)
            {
                // sha256sum -c on any computer checks a plain copy; an encrypted one carries its own integrity code.
                BackupCatalog.WriteChecksum(Path.Combine(Folder, name), sha256);
            }
            return (name, new FileInfo(Path.Combine(Folder, name)).Length);
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

    /// <summary>The copies on the drive, newest first (by the backup's name, which is the order of making).</summary>
    public IReadOnlyList<string> Copies() => Directory.Exists(Folder)
        ? [.. Directory.EnumerateFiles(Folder).Select(Path.GetFileName).Select(n => n!)
            .Where(n => BackupNames.IsBackupName(BackupName(n)))
            .OrderByDescending(n => BackupNames.SortKey(BackupName(n)))]
        : [];

    /// <summary>Keeps the newest <see cref="CopyTargetOptions.Keep"/> copies; never the one just written, nothing that is not a copy.</summary>
    public IReadOnlyList<string> ApplyRetention(string justWritten)
    {
        var doomed = Copies().Skip(target.Keep).Where(n => n != justWritten).ToList();
        foreach (var name in doomed)
        {
            BackupCatalog.Delete(Path.Combine(Folder, name));
        }
        if (doomed.Count > 0)
        {
            LibC.FsyncDirectory(Folder);
        }
        return doomed;
    }

    /// <summary>The backup's name inside a copy's name ("….tar.gz.gpg" → "….tar.gz").</summary>
    public static string BackupName(string copyName) =>
        copyName.EndsWith(OpenPgpFile.Extension, StringComparison.Ordinal) ? copyName[..^OpenPgpFile.Extension.Length] : copyName;

    private BackupException Unavailable(string why) =>
        new(BackupError.TargetUnavailable, $"The drive '{target.Name}' cannot take a copy: {why}.");
}
