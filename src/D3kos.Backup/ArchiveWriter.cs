using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
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
/// start of the file (its size is bounded by the scan: every path is known, every size fits 19 digits),
/// streams every file through SHA-256, tar and the parallel gzip behind that room, then writes the
/// manifest, padded with JSON whitespace to the reserved size, as a stored gzip member in front.
/// </summary>
internal static class ArchiveWriter
{
    private static readonly UnixFileMode ManifestMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static BackupResult Write(
        BackupPaths paths,
        SourceScan scan,
        string fileName,
        DateTimeOffset created,
        string? installationId,
        IProgress<long>? progress,
        CompressionLevel level = CompressionLevel.Optimal)
    {
        var clock = Stopwatch.StartNew();
        var final = Path.Combine(paths.BackupsFolder, fileName);
        var partial = final + ".partial";
        var snapshots = Path.Combine(paths.BackupsFolder, $".snapshot-{Guid.NewGuid():N}");
        BackupManifest Manifest(List<ManifestFile> files) => new()
        {
            FormatVersion = BackupManifest.CurrentFormat,
            Created = created,
            Hostname = Environment.MachineName,
            InstallationId = installationId,
            SourcesFound = scan.Found,
            SourcesSkipped = scan.Skipped,
            Files = files,
        };
        try
        {
            var placeholder = Manifest([.. scan.Items.Where(IsData).Select(i => new ManifestFile
            {
                Path = i.Member, Size = long.MaxValue, Sha256 = new string('0', 64), SqliteSnapshot = true,
            })]);
            var reserved = JsonSerializer.SerializeToUtf8Bytes(placeholder, BackupJsonContext.Default.BackupManifest).Length;
            var headLength = ManifestMember(new byte[reserved], created).Length;

            var files = new List<ManifestFile>();
            using (var file = BackupPaths.CreateArchive(partial, FileAccess.ReadWrite))
            {
                file.Seek(headLength, SeekOrigin.Begin);
                using (var gzip = new ParallelGzipStream(file, level))
                using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var written = 0L;
                    foreach (var item in scan.Items)
                    {
                        if (WriteItem(tar, item, snapshots) is { } listed)
                        {
                            files.Add(listed);
                        }
                        written += item.Stat.Size;
                        progress?.Report(written);
                    }
                }

                var manifest = JsonSerializer.SerializeToUtf8Bytes(Manifest(files), BackupJsonContext.Default.BackupManifest);
                var padded = new byte[reserved];
                manifest.CopyTo(padded, 0);
                padded.AsSpan(manifest.Length).Fill((byte)' ');
                var head = ManifestMember(padded, created);
                if (head.Length != headLength)
                {
                    throw new InvalidOperationException($"The manifest member came out {head.Length} bytes, not the {headLength} reserved for it.");
                }
                file.Seek(0, SeekOrigin.Begin);
                file.Write(head);
                file.Flush(flushToDisk: true);
            }
            var sha256 = BackupCatalog.ComputeChecksum(partial);
            AtomicFile.MoveDurably(partial, final);
            return new BackupResult(fileName, final, new FileInfo(final).Length, sha256, files.Count, clock.ElapsedMilliseconds, scan.Skipped);
        }
        catch
        {
            AtomicFile.TryDelete(partial);
            throw;
        }
        finally
        {
            if (Directory.Exists(snapshots))
            {
                Directory.Delete(snapshots, recursive: true);
            }
        }
    }

    private static bool IsData(SourceItem item) => item.Kind is ItemKind.File or ItemKind.SqliteDatabase;

    /// <summary>
    /// The manifest as a tar entry in a gzip member of stored (uncompressed) blocks: its length depends
    /// only on the length of the manifest, so the room reserved for it fits exactly.
    /// </summary>
    private static byte[] ManifestMember(byte[] manifest, DateTimeOffset created)
    {
        using var tarBytes = new MemoryStream();
        var tar = new TarWriter(tarBytes, TarEntryFormat.Pax, leaveOpen: true);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, BackupManifest.MemberName)
        {
            DataStream = new MemoryStream(manifest),
            Mode = ManifestMode,
            ModificationTime = created,
        });
        // Taken before the writer is disposed: the end-of-archive blocks belong at the very end.
        var entry = tarBytes.ToArray();
        using var member = new MemoryStream();
        using (var gzip = new GZipStream(member, CompressionLevel.NoCompression, leaveOpen: true))
        {
            gzip.Write(entry);
        }
        return member.ToArray();
    }

    /// <summary>Writes one item; for a file, returns its manifest line (null when it vanished since the scan).</summary>
    private static ManifestFile? WriteItem(TarWriter tar, SourceItem item, string snapshots)
    {
        var entry = new PaxTarEntry(item.Kind switch
        {
            ItemKind.Directory => TarEntryType.Directory,
            ItemKind.Symlink => TarEntryType.SymbolicLink,
            _ => TarEntryType.RegularFile,
        }, item.Kind == ItemKind.Directory ? item.Member + "/" : item.Member)
        {
            Mode = item.Stat.Permissions,
            ModificationTime = item.Stat.ModifiedAt,
            Uid = item.Stat.Uid,
            Gid = item.Stat.Gid,
        };
        if (item.Kind == ItemKind.Symlink)
        {
            entry.LinkName = new FileInfo(item.RealPath).LinkTarget ?? "";
        }
        if (!IsData(item))
        {
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
            SqliteSnapshot.Copy(item.RealPath, dataPath);
        }
        try
        {
            FileStream source;
            try
            {
                source = new FileStream(dataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            }
            catch (FileNotFoundException)
            {
                return null; // deleted since the scan: it is simply not part of this backup
            }
            // The size is taken from the open file: a file that grows while it is read is cut at
            // this length, one that shrinks fails the attempt (and the backup starts over).
            using var data = new ExactLengthReader(source, source.Length, item.Member);
            entry.DataStream = data;
            tar.WriteEntry(entry);
            return new ManifestFile { Path = item.Member, Size = data.Length, Sha256 = data.HashHex(), SqliteSnapshot = item.Kind == ItemKind.SqliteDatabase };
        }
        finally
        {
            if (dataPath != item.RealPath)
            {
                File.Delete(dataPath);
            }
        }
    }
}
