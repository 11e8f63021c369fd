using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using D3kos.Common.Compression;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Backup;

/// <summary>A finished archive.</summary>
public sealed record BackupResult(
    string FileName,
    string Path,
    long SizeBytes,
    string Sha256,
    int FileCount,
    long DurationMs,
    IReadOnlyList<string> SourcesSkipped);

/// <summary>
/// Writes one tar.gz backup in a single pass over the sources. The manifest must be the first member
/// but holds every file's checksum, known only at the end; so the writer reserves room for it at the
/// start of the file (its size is bounded by a walk that counts: every path is known, every size fits 19
/// digits), streams every file through SHA-256, tar and the parallel gzip behind that room while the
/// records go to a spool file, then writes the manifest, padded with JSON whitespace to the reserved size,
/// as a stored gzip member in front. The counting walk runs on a thread of its own beside the writing,
/// whose first output waits in memory for it (<see cref="PlacedLaterStream"/>): on a tree of many small
/// files the walks are mostly system calls, and one after the other they left a core idle.
/// Nothing held grows with the number of files.
/// </summary>
internal static class ArchiveWriter
{
    private static readonly UnixFileMode ManifestMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Output held before the counting walk is done: a few seconds of a Pi's writing at the most.</summary>
    private const int HoldLimit = 4 << 20;

    /// <param name="counted">Runs with the totals before the first byte of the archive is written: the space check goes here.</param>
    /// <param name="snapshotRoom">Runs with a database's size before its snapshot is taken ahead of that check.</param>
    /// <param name="leftOut">Told each entry left out because a restore would refuse it, and why.</param>
    public static BackupResult Write(
        BackupPaths paths,
        SourceScan scan,
        string fileName,
        DateTimeOffset created,
        string? installationId,
        BackupProgress? progress,
        Action<ScanTotals> counted,
        Action<long> snapshotRoom,
        Action<string> leftOut,
        CompressionLevel level = CompressionLevel.Optimal,
        CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var final = Path.Combine(paths.BackupsFolder, fileName);
        var partial = final + ".partial";
        var snapshots = Path.Combine(paths.BackupsFolder, $".snapshot-{Guid.NewGuid():N}");
        var header = new BackupManifest
        {
            FormatVersion = BackupManifest.CurrentFormat,
            Created = created,
            Hostname = Environment.MachineName,
            InstallationId = installationId,
            SourcesFound = scan.Found,
            SourcesSkipped = scan.Skipped,
        };
        using var stopCounting = new CancellationTokenSource();
        var counting = Task.Factory.StartNew(() => SourceScanner.Count(scan, stopCounting.Token), stopCounting.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            var written = 0L;
            var snapshotOnDisk = 0L;
            // The restore's own rules, entry by entry in the archive's order: what a restore would refuse
            // is left out (and told), so no backup is made that no restore takes.
            var policy = new EntryPolicy(paths.Sources);
            var reserved = 0;
            var headLength = 0L;
            progress?.Begin(BackupProgress.BackingUp, 0);
            using var manifest = new ManifestSpool(paths.BackupsFolder);
            using (var file = BackupPaths.CreateArchive(partial, FileAccess.ReadWrite))
            {
                var body = new PlacedLaterStream(file, () => counting.IsCompleted, () =>
                {
                    // A snapshot on the card now is already part of what the check asks for.
                    var totals = counting.GetAwaiter().GetResult() with { AlreadyTaken = snapshotOnDisk };
                    counted(totals);
                    reserved = ManifestSpool.Reserve(header, totals.ManifestRecordBytes);
                    headLength = WriteManifestMember(Stream.Null, ManifestSpool.Placeholder(reserved), created);
                    progress?.Begin(BackupProgress.BackingUp, totals.TotalBytes);
                    progress?.Report(written);
                    return headLength;
                }, HoldLimit);
                using (var gzip = new ParallelGzipStream(body, level))
                using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    try
                    {
                        foreach (var item in scan.Items)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            if (item.Kind == ItemKind.SqliteDatabase && !body.IsPlaced)
                            {
                                // Its snapshot lands on the card before the whole count is in: room for it first.
                                snapshotRoom(item.Stat!.Value.Size);
                            }
                            if (WriteItem(tar, item, snapshots, hash, policy, leftOut, size => snapshotOnDisk = size) is { } listed)
                            {
                                manifest.Add(listed);
                                written += listed.Size; // as the count's total: file contents, not folders or links
                                if (body.IsPlaced)
                                {
                                    progress?.Report(written);
                                }
                            }
                        }
                    }
                    catch
                    {
                        // The writers' closing blocks then go nowhere: no wait for the count and no space check
                        // for a file about to be deleted, and the failure reported is this one.
                        stopCounting.Cancel();
                        body.Abandon();
                        throw;
                    }
                }
                body.Place(); // an empty or small tree may have been held to the end
                // The manifest, the flush and the checksum read take a while on a card; they cannot say how far they are.
                progress?.Begin(BackupProgress.Finishing, 0);

                file.Seek(0, SeekOrigin.Begin);
                using (var content = manifest.Content(header, reserved))
                {
                    var length = WriteManifestMember(file, content, created);
                    if (length != headLength)
                    {
                        throw new InvalidOperationException($"The manifest member came out {length} bytes, not the {headLength} reserved for it.");
                    }
                }
                file.Flush(flushToDisk: true);
            }
            var sha256 = BackupCatalog.ComputeChecksum(partial);
            AtomicFile.MoveDurably(partial, final);
            return new BackupResult(fileName, final, new FileInfo(final).Length, sha256, manifest.Count, clock.ElapsedMilliseconds, scan.Skipped);
        }
        catch
        {
            AtomicFile.TryDelete(partial);
            throw;
        }
        finally
        {
            // A failed write leaves no walk behind it.
            stopCounting.Cancel();
            try
            {
                counting.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Its failure, if it mattered, was thrown where its totals were needed.
            }
            if (Directory.Exists(snapshots))
            {
                Directory.Delete(snapshots, recursive: true);
            }
        }
    }

    /// <summary>
    /// Writes the manifest as a tar entry in a gzip member of stored (uncompressed) blocks and returns its
    /// length: that depends only on the manifest's length (the placeholder and the real one are read in
    /// identical pieces), so the room measured with the placeholder fits the real one exactly.
    /// </summary>
    private static long WriteManifestMember(Stream output, Stream manifest, DateTimeOffset created)
    {
        // Counted on its way out (the hash goes unused: one pass-through type serves both).
        using var counted = new HashingStream(output, leaveOpen: true);
        using (var gzip = new GZipStream(counted, CompressionLevel.NoCompression, leaveOpen: true))
        {
            // Not disposed: that would write the end-of-archive blocks, which belong at the very end.
            var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, BackupManifest.MemberName)
            {
                DataStream = manifest,
                Mode = ManifestMode,
                ModificationTime = created,
            });
        }
        return counted.BytesPassed;
    }

    /// <summary>Writes one item; for a file, returns its manifest line (null when it vanished since it was listed).</summary>
    /// <param name="snapshotTaken">Told the size of a database snapshot on the card, and 0 once it is gone.</param>
    private static ManifestFile? WriteItem(TarWriter tar, SourceItem item, string snapshots, IncrementalHash hash,
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
