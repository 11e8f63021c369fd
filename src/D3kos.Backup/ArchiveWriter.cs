using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
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
/// Writes one tar.gz backup: manifest first, then every source. Files are hashed before the archive
/// is written (the manifest must come first) and hashed again while written; a file that changed in
/// between makes the attempt fail rather than leave a manifest that lies.
/// </summary>
internal static class ArchiveWriter
{
    public static BackupResult Write(
        BackupPaths paths,
        SourceScan scan,
        string fileName,
        DateTimeOffset created,
        string? installationId,
        IProgress<long>? progress)
    {
        var clock = Stopwatch.StartNew();
        var final = Path.Combine(paths.BackupsFolder, fileName);
        var partial = final + ".partial";
        var snapshots = Path.Combine(paths.BackupsFolder, $".snapshot-{Guid.NewGuid():N}");
        try
        {
            TakeSnapshots(scan, snapshots);
            var manifest = new BackupManifest
            {
                FormatVersion = BackupManifest.CurrentFormat,
                Created = created,
                Hostname = Environment.MachineName,
                InstallationId = installationId,
                SourcesFound = scan.Found,
                SourcesSkipped = scan.Skipped,
                Files = [.. scan.Items.Where(IsData).Select(HashItem)],
            };

            string sha256;
            using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                using (var hashing = new HashingStream(file, leaveOpen: true))
                {
                    using (var gzip = new GZipStream(hashing, CompressionLevel.Optimal, leaveOpen: true))
                    using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
                    {
                        WriteManifest(tar, manifest);
                        var written = 0L;
                        var expected = manifest.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
                        foreach (var item in scan.Items)
                        {
                            WriteItem(tar, item, expected);
                            written += item.Stat.Size;
                            progress?.Report(written);
                        }
                    }
                    sha256 = hashing.HashHex();
                }
                file.Flush(flushToDisk: true);
            }
            AtomicFile.MoveDurably(partial, final);
            return new BackupResult(fileName, final, new FileInfo(final).Length, sha256, manifest.Files.Count, clock.ElapsedMilliseconds, scan.Skipped);
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

    private static void TakeSnapshots(SourceScan scan, string folder)
    {
        foreach (var item in scan.Items.Where(i => i.Kind == ItemKind.SqliteDatabase))
        {
            Directory.CreateDirectory(folder);
            var snapshot = Path.Combine(folder, $"{Guid.NewGuid():N}.db");
            SqliteSnapshot.Copy(item.RealPath, snapshot);
            item.DataPath = snapshot;
        }
    }

    private static ManifestFile HashItem(SourceItem item)
    {
        using var stream = OpenData(item.DataPath);
        var size = stream.Length;
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new ManifestFile { Path = item.Member, Size = size, Sha256 = hash, SqliteSnapshot = item.Kind == ItemKind.SqliteDatabase };
    }

    private static FileStream OpenData(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);

    private static void WriteManifest(TarWriter tar, BackupManifest manifest)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, BackupJsonContext.Default.BackupManifest);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, BackupManifest.MemberName)
        {
            DataStream = new MemoryStream(bytes),
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ModificationTime = manifest.Created,
        });
    }

    private static void WriteItem(TarWriter tar, SourceItem item, Dictionary<string, ManifestFile> expected)
    {
        var type = item.Kind switch
        {
            ItemKind.Directory => TarEntryType.Directory,
            ItemKind.Symlink => TarEntryType.SymbolicLink,
            _ => TarEntryType.RegularFile,
        };
        var entry = new PaxTarEntry(type, item.Kind == ItemKind.Directory ? item.Member + "/" : item.Member)
        {
            Mode = item.Stat.Permissions,
            ModificationTime = item.Stat.ModifiedAt,
            Uid = item.Stat.Uid,
            Gid = item.Stat.Gid,
        };
        if (item.Kind == ItemKind.Symlink)
        {
            entry.LinkName = new FileInfo(item.RealPath).LinkTarget ?? "";
            tar.WriteEntry(entry);
            return;
        }
        if (!IsData(item))
        {
            tar.WriteEntry(entry);
            return;
        }
        var manifest = expected[item.Member];
        using var data = new ExactLengthReader(OpenData(item.DataPath), manifest.Size, item.Member);
        entry.DataStream = data;
        tar.WriteEntry(entry);
        if (data.HashHex() != manifest.Sha256)
        {
            throw new BackupException(BackupError.SourceChanged, $"/{item.Member} changed while it was being backed up.");
        }
    }
}
