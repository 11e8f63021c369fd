using System.Security.Cryptography;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>A backup in the folder, as the list shows it.</summary>
/// <param name="Created">When it was made here, or for an imported one when it arrived (its name).</param>
/// <param name="MadeAt">An imported backup's own creation time, as its manifest says (null for the others, and for a legacy one).</param>
public sealed record BackupInfo(string Filename, long SizeBytes, DateTimeOffset Created, string Sha256, string Kind, DateTimeOffset? MadeAt = null);

/// <summary>
/// The backups folder: listing, checksums (kept in a sha256sum-compatible sidecar so listing never
/// rereads a large archive), retention and deletion. Only names matching the backup patterns are touched.
/// </summary>
internal static class BackupCatalog
{
    public static IReadOnlyList<BackupInfo> List(BackupPaths paths)
    {
        if (!Directory.Exists(paths.BackupsFolder))
        {
            return [];
        }
        return [.. Directory.EnumerateFiles(paths.BackupsFolder)
            .Select(Path.GetFileName)
            .Where(BackupNames.IsBackupName)
            .Select(name => name!)
            .Where(name => IsRegularFile(paths.BackupFile(name)))
            .OrderByDescending(BackupNames.SortKey)
            .Select(name => Describe(paths, name))];
    }

    public static BackupInfo Describe(BackupPaths paths, string name)
    {
        var path = paths.BackupFile(name);
        var info = new FileInfo(path);
        var kind = BackupNames.IsSafety(name) ? Kinds.PreRestore
            : ArchiveReader.LacksManifest(path) ? Kinds.Legacy
            : BackupNames.IsImported(name) ? Kinds.Imported
            : BackupNames.IsAutomatic(name) ? Kinds.Automatic
            : Kinds.Manual;
        return new BackupInfo(
            name,
            info.Length,
            BackupNames.CreatedFromName(name) ?? new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero),
            Checksum(path),
            kind,
            // An import is named for its arrival; when it was made is in its manifest (one streamed read of it).
            kind == Kinds.Imported ? ArchiveReader.ReadManifestOnly(path)?.Header.Created : null);
    }

    /// <summary>The kinds the list shows.</summary>
    public static class Kinds
    {
        /// <summary>Made by the owner (API, CLI, page); named d3kos_backup_….</summary>
        public const string Manual = "manual";

        /// <summary>Made by the schedule.</summary>
        public const string Automatic = "automatic";
        public const string PreRestore = "pre-restore";

        /// <summary>Made on another device and uploaded or imported here.</summary>
        public const string Imported = "imported";

        /// <summary>A plain tar.gz made by d3kOS v0.9.1.2's create-backup.sh.</summary>
        public const string Legacy = "legacy";
    }

    /// <summary>True for a backup-named file without a manifest: the predecessor's plain tar.gz.</summary>
    public static bool IsLegacy(BackupPaths paths, string name) => ArchiveReader.LacksManifest(paths.BackupFile(name));

    /// <summary>True for a plain file (lstat): a symlink or anything else named like a backup is not one.</summary>
    public static bool IsRegularFile(string path)
    {
        try
        {
            return D3kos.Common.Interop.FileStat.Lstat(path).IsRegularFile;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The archive's SHA-256, from its sidecar when that is current, else computed and stored.</summary>
    public static string Checksum(string archivePath)
    {
        var sidecar = archivePath + ".sha256";
        if (File.Exists(sidecar) && File.GetLastWriteTimeUtc(sidecar) >= File.GetLastWriteTimeUtc(archivePath))
        {
            var recorded = File.ReadAllText(sidecar).Split(' ', 2)[0];
            if (recorded.Length == 64)
            {
                return recorded;
            }
        }
        var hash = ComputeChecksum(archivePath);
        WriteChecksum(archivePath, hash);
        return hash;
    }

    /// <summary>Reads the whole archive once for its SHA-256.</summary>
    public static string ComputeChecksum(string archivePath)
    {
        using var stream = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static void WriteChecksum(string archivePath, string sha256)
    {
        try
        {
            AtomicFile.Write(archivePath + ".sha256", s => s.Write(System.Text.Encoding.ASCII.GetBytes($"{sha256}  {Path.GetFileName(archivePath)}\n")));
        }
        catch (IOException)
        {
            // The sidecar is a cache: without it the list computes the checksum again.
        }
    }

    public static void Delete(string archivePath)
    {
        File.Delete(archivePath);
        AtomicFile.TryDelete(archivePath + ".sha256");
    }

    /// <summary>Deletes the backups of one kind that <paramref name="doomed"/> picks from them (newest first); never the one just made.</summary>
    public static IReadOnlyList<string> ApplyRetention(BackupPaths paths, Func<string, bool> ofKind, Func<IReadOnlyList<string>, IEnumerable<string>> doomed, string justMade)
    {
        var ofThisKind = Directory.EnumerateFiles(paths.BackupsFolder)
            .Select(Path.GetFileName)
            .Where(name => name is not null && ofKind(name))
            .Select(name => name!)
            .OrderByDescending(BackupNames.SortKey)
            .ToList();
        var deleted = doomed(ofThisKind).Where(name => name != justMade).ToList();
        foreach (var name in deleted)
        {
            Delete(Path.Combine(paths.BackupsFolder, name));
        }
        return deleted;
    }
}
