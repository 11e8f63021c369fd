using System.Formats.Tar;
using System.IO.Compression;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// Makes a backup archive again from a snapshot that restic restored into a folder, so that it is imported
/// as any backup is (verified whole with its manifest, then restored through the same staged, journalled
/// path): the manifest first, then the files in the manifest's order with their folders before them, then
/// the folders and links that hold no file. The folders above a source (/opt above /opt/d3kos/config) are
/// in the snapshot but were never in the archive, and are not put in. A file the manifest does not list is
/// refused here, before the import's own check would refuse the whole archive.
/// </summary>
internal sealed class SnapshotArchive(string folder, IReadOnlyList<BackupSource> sources)
{
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    public void Write(Stream output, BackupProgress? progress, CancellationToken cancellationToken)
    {
        using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        var manifest = Path.Combine(folder, BackupManifest.MemberName);
        if (!FileStat.TryLstat(manifest, out var manifestStat) || !manifestStat.IsRegularFile)
        {
            throw new InvalidDataException($"the snapshot holds no {BackupManifest.MemberName}: it is not a d3kOS backup");
        }
        var done = WriteFile(tar, BackupManifest.MemberName);
        using (var records = new FileStream(manifest, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            foreach (var file in ManifestReader.Files(records))
            {
                cancellationToken.ThrowIfCancellationRequested();
                WriteFoldersAbove(tar, file.Path);
                done += WriteFile(tar, file.Path);
                progress?.Report(done);
            }
        }
        WriteTheRest(tar, "");
    }

    private void WriteFoldersAbove(TarWriter tar, string member)
    {
        var slash = member.LastIndexOf('/');
        if (slash <= 0 || _written.Contains(member[..slash]))
        {
            return;
        }
        WriteFoldersAbove(tar, member[..slash]);
        WriteOther(tar, member[..slash]);
    }

    private long WriteFile(TarWriter tar, string member)
    {
        var path = Path.Combine(folder, member);
        using var data = new FileStream(UnixFile.OpenReadNoFollow(path), FileAccess.Read, 1 << 16);
        var stat = FileStat.Fstat(data.SafeFileHandle);
        if (!stat.IsRegularFile)
        {
            throw new InvalidDataException($"'{BackupPaths.Printable(member)}' in the snapshot is not a file, where the manifest lists one");
        }
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, member)
        {
            DataStream = data,
            Mode = stat.Permissions,
            ModificationTime = stat.ModifiedAt,
            Uid = stat.Uid,
            Gid = stat.Gid,
        });
        _written.Add(member);
        return stat.Size;
    }

    /// <summary>A folder or a link, with what lstat says of it; nothing for a folder above the sources.</summary>
    private void WriteOther(TarWriter tar, string member)
    {
        _written.Add(member);
        if (!sources.Any(source => member == source.Member || member.StartsWith(source.Member + "/", StringComparison.Ordinal)))
        {
            if (sources.Any(source => source.Member.StartsWith(member + "/", StringComparison.Ordinal)) && FileStat.Lstat(Path.Combine(folder, member)).IsDirectory)
            {
                return;
            }
            throw new InvalidDataException($"the snapshot holds '{BackupPaths.Printable(member)}', which lies outside the backed-up sources");
        }
        var path = Path.Combine(folder, member);
        var stat = FileStat.Lstat(path);
        PaxTarEntry entry;
        if (stat.IsDirectory)
        {
            entry = new PaxTarEntry(TarEntryType.Directory, member + "/");
        }
        else if (stat.IsSymlink)
        {
            entry = new PaxTarEntry(TarEntryType.SymbolicLink, member) { LinkName = new FileInfo(path).LinkTarget ?? "" };
        }
        else
        {
            throw new InvalidDataException($"the snapshot holds '{BackupPaths.Printable(member)}', which its manifest does not list");
        }
        entry.Mode = stat.Permissions;
        entry.ModificationTime = stat.ModifiedAt;
        entry.Uid = stat.Uid;
        entry.Gid = stat.Gid;
        tar.WriteEntry(entry);
    }

    /// <summary>Folders without files and links, top down, in name order.</summary>
    private void WriteTheRest(TarWriter tar, string prefix)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(Path.Combine(folder, prefix)).Order(StringComparer.Ordinal))
        {
            var member = prefix + Path.GetFileName(path);
            if (!_written.Contains(member))
            {
                WriteOther(tar, member);
            }
            if (FileStat.Lstat(path).IsDirectory)
            {
                WriteTheRest(tar, member + "/");
            }
        }
    }
}
