using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using D3kos.Common.Compression;
using D3kos.Common.Files;

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
        string phase = BackupProgress.BackingUp,
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
            progress?.Begin(phase, 0);
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
                    progress?.Begin(phase, totals.TotalBytes);
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
                            if (ArchiveItemWriter.Write(tar, item, snapshots, hash, policy, leftOut, size => snapshotOnDisk = size) is { } listed)
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
}
