using System.Formats.Tar;
using System.Security.Cryptography;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Backup;

/// <summary>
/// One walked item into the archive: a folder or a symlink as its entry, a file read through the folder it
/// was found in and hashed as it is written, a database through its snapshot.
/// </summary>
internal static class ArchiveItemWriter
{
    /// <summary>Writes one item; for a file, returns its manifest line (null when it vanished since it was listed).</summary>
    /// <param name="snapshotTaken">Told the size of a database snapshot on the card, and 0 once it is gone.</param>
    public static ManifestFile? Write(TarWriter tar, SourceItem item, string snapshots, IncrementalHash hash,
        EntryPolicy policy, Action<string> leftOut, Action<long> snapshotTaken)
    {
        if (!item.IsData)
        {
            // Folders and symlinks always come with their stat from the walk.
            var entry = NewEntry(item, item.Stat!.Value);
            if (item.Kind == ItemKind.Symlink)
            {
                try
                {
                    entry.LinkName = item.Folder is { } linkFolder ? linkFolder.ReadLink(item.Name) : new FileInfo(item.RealPath).LinkTarget ?? "";
                }
                catch (IOException)
                {
                    return null; // removed or no longer a link since it was listed: not part of this backup
                }
            }
            if (policy.Check(entry).Error is { } refused)
            {
                leftOut(refused);
                return null;
            }
            tar.WriteEntry(entry);
            return null;
        }

        // A database is copied through SQLite's online backup API just before it is written, one at
        // a time, so the extra disk space is never more than the largest database.
        var dataPath = item.RealPath;
        if (item.Kind == ItemKind.SqliteDatabase)
        {
            Directory.CreateDirectory(snapshots);
            dataPath = Path.Combine(snapshots, $"{Guid.NewGuid():N}.db");
            try
            {
                SqliteSnapshot.Copy(item.RealPath, dataPath, SqliteSnapshot.ReaderFor(item.RealPath));
            }
            catch (SqliteSnapshot.UnreadableException ex)
            {
                // What root alone could read there is exactly what a swapped folder would have exposed.
                File.Delete(dataPath);
                leftOut($"/{item.Member}: a database {ex.Message}, left out");
                return null;
            }
            snapshotTaken(new FileInfo(dataPath).Length);
            // SQLite opens by path: the name must still be the very file the walk found (a regular file,
            // opened without following), not a link to another database swapped in meanwhile.
            var found = item.Stat!.Value;
            if (item.Folder is { } folder && (!folder.TryStat(item.Name, out var now) || !now.IsRegularFile || now.Inode != found.Inode || now.Device != found.Device))
            {
                throw new BackupException(BackupError.SourceChanged, $"/{item.Member} was replaced while it was being backed up.");
            }
        }
        try
        {
            SafeFileHandle handle;
            try
            {
                // Non-blocking and not through a symlink: a name swapped since the scan for a FIFO or a
                // link (to /etc/shadow, say) is left out rather than waited on or followed.
                handle = item.Folder is { } folder && dataPath == item.RealPath
                    ? folder.OpenRead(item.Name)
                    : UnixFile.OpenReadNoFollow(dataPath);
            }
            catch (IOException ex) when (ex is FileNotFoundException || IoErrors.IsSymlinkRefused(ex) || IoErrors.IsNoDeviceOrAddress(ex))
            {
                return null; // deleted or replaced (by a link, a socket) since the scan: it is simply not part of this backup
            }
            FileStat opened;
            try
            {
                opened = FileStat.Fstat(handle);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
            if (!opened.IsRegularFile)
            {
                handle.Dispose();
                return null;
            }
            // A database's entry keeps the database's own owner, mode and time, not its snapshot's.
            var entry = NewEntry(item, item.Kind == ItemKind.SqliteDatabase ? item.Stat!.Value : opened);
            if (policy.Check(entry).Error is { } refused)
            {
                handle.Dispose();
                leftOut(refused);
                return null;
            }
            // The size is taken from the open file: a file that grows while it is read is cut at this
            // length, one that shrinks fails the attempt (and the backup starts over).
            using var data = new HashingStream(new ExactLengthReader(handle, opened.Size, item.Member), sharedHash: hash);
            entry.DataStream = data;
            tar.WriteEntry(entry);
            return new ManifestFile { Path = item.Member, Size = data.Length, Sha256 = data.TakeHashHex(), SqliteSnapshot = item.Kind == ItemKind.SqliteDatabase };
        }
        finally
        {
            if (dataPath != item.RealPath)
            {
                File.Delete(dataPath);
                snapshotTaken(0);
            }
        }
    }

    private static PaxTarEntry NewEntry(SourceItem item, FileStat stat) =>
        new(item.Kind switch
        {
            ItemKind.Directory => TarEntryType.Directory,
            ItemKind.Symlink => TarEntryType.SymbolicLink,
            _ => TarEntryType.RegularFile,
        }, item.Kind == ItemKind.Directory ? item.Member + "/" : item.Member)
        {
            Mode = stat.Permissions,
            ModificationTime = stat.ModifiedAt,
            Uid = stat.Uid,
            Gid = stat.Gid,
        };
}
