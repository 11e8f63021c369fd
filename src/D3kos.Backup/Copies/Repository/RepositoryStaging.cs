using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// The folder restic reads a snapshot from: the local backup unpacked, kept on the card between copies
/// (root's alone, in the backups folder). restic chunks each file on its own and its file cache skips a
/// file nothing touched, so the next day's copy reads and sends the pages of the boat log that changed,
/// not the whole tar again: measured 1.6% of a full copy's bytes, against 54% for the tar fed to restic
/// as one stream (docs/copies.md). Every file is checked against the manifest as it is unpacked, and the
/// backup against its checksum, before restic is started at all.
/// </summary>
internal static class RepositoryStaging
{
    /// <summary>The phase the page and the CLI show while the backup is unpacked into the staging folder.</summary>
    public const string Phase = "preparing the copy";

    /// <summary>Makes the staging folder hold exactly the backup's manifest and entries.</summary>
    public static StagedBackup Stage(CopySource source, SnapshotContent content, BackupProgress? progress, CancellationToken cancellationToken)
    {
        var folder = content.StagingFolder;
        // The boat's files, unpacked: root's alone, whoever made the folder first.
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var sink = new InPlaceStagingSink(folder);
        VerifyReport report;
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            StageManifest(source.Path, sink);
            report = ArchiveReader.Read(source.Path, content.Sources, content.MaxBytes, sink, progress, Phase, fileHash, cancellationToken: cancellationToken);
        }
        catch (FileNotFoundException missing)
        {
            throw CopySource.Removed(missing);
        }
        catch (IOException full) when (IoErrors.IsNoSpace(full))
        {
            throw new BackupException(BackupError.DiskFull,
                $"The card has no room to prepare the copy of {source.FileName} (restic reads the backup unpacked, about {UnpackedMegabytes(source)} MB); nothing was sent. Free some space, or keep fewer backups.", full);
        }
        catch (Exception damaged) when (damaged is InvalidDataException or EndOfStreamException or FormatException
            || damaged is BackupException { Error: BackupError.InvalidArchive or BackupError.UnsafeArchive })
        {
            throw source.Mismatch(damaged);
        }
        if (!report.Valid || report.Legacy || Convert.ToHexStringLower(fileHash.GetHashAndReset()) != source.Sha256)
        {
            throw source.Mismatch(null);
        }
        RemoveStrays(folder, "", sink.Members);
        sink.FinishFolders();
        // One syncfs for every file written, not an fsync each: thousands of Signal K files on a card.
        UnixFile.FlushFileSystemOf(folder);
        return new StagedBackup(report.TotalBytes, sink.BytesWritten);
    }

    private static long UnpackedMegabytes(CopySource source) => (ArchiveReader.ReadManifestOnly(source.Path)?.TotalBytes ?? 0) / 1_000_000;

    /// <summary>The manifest is the archive's first member, which the reader keeps to itself: staged here the same way.</summary>
    private static void StageManifest(string archive, InPlaceStagingSink sink)
    {
        using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var manifest = tar.GetNextEntry();
        if (manifest is { Name: not BackupManifest.MemberName })
        {
            // A backup of v0.9.1.2's script (its checksum matched when it was listed): readable, but not for a repository.
            throw new BackupException(BackupError.InvalidInput,
                $"{Path.GetFileName(archive)} was made by d3kOS v0.9.1.2 and has no manifest, which a repository copy holds and checks; copy it to a target of Format openpgp-file, or make a new backup and copy that.");
        }
        if (manifest is not { DataStream: { } data } || manifest.Length > ManifestReader.MaxManifestBytes)
        {
            throw new InvalidDataException("the first member is not the manifest");
        }
        sink.Begin(BackupManifest.MemberName, manifest);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = data.Read(buffer)) > 0)
        {
            sink.Write(buffer.AsSpan(0, read));
        }
        sink.End(manifest);
    }

    /// <summary>Removes what an earlier backup held and this one does not (a link is removed, never followed).</summary>
    private static void RemoveStrays(string folder, string prefix, IReadOnlySet<string> members)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(folder))
        {
            var member = prefix + Path.GetFileName(path);
            if (!members.Contains(member))
            {
                InPlaceStagingSink.RemoveAny(path);
            }
            else if (new FileInfo(path) is { LinkTarget: null } info && info.Attributes.HasFlag(FileAttributes.Directory))
            {
                RemoveStrays(path, member + "/", members);
            }
        }
    }
}

/// <summary>The bytes the staged backup's files take, and of them the bytes that had to be written to the card.</summary>
internal sealed record StagedBackup(long TotalBytes, long BytesWritten);

/// <summary>
/// What a repository target needs of this Pi to make and bring back snapshots: the staging folder restic
/// reads from, the backups folder (where a snapshot is brought back, and what the target records), and the
/// sources' entry rules.
/// </summary>
internal sealed record SnapshotContent(string StagingFolder, string BackupsFolder, IReadOnlyList<BackupSource> Sources, long MaxBytes, long FreeSpaceMargin);
