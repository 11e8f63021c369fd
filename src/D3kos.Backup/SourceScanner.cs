using D3kos.Common.Interop;
namespace D3kos.Backup;

public enum ItemKind
{
    Directory,
    File,
    Symlink,
    SqliteDatabase,
}

/// <summary>One thing to archive: where it is, its member name, and what it is.</summary>
internal sealed record SourceItem(string RealPath, string Member, ItemKind Kind, FileStat Stat);

/// <summary>What the sources hold right now, with the backups folder and temporary files left out.</summary>
internal sealed record SourceScan(List<SourceItem> Items, List<string> Found, List<string> Skipped, List<string> Ignored)
{
    public long TotalBytes => Items.Where(i => i.Kind is ItemKind.File or ItemKind.SqliteDatabase).Sum(i => i.Stat.Size);

    /// <summary>Space a backup needs at the most: every byte once, plus the snapshot of the largest database while it is copied.</summary>
    public long SpaceNeeded => TotalBytes + Items.Where(i => i.Kind == ItemKind.SqliteDatabase).Select(i => i.Stat.Size).DefaultIfEmpty(0).Max();
}

internal static class SourceScanner
{
    private static readonly string[] SqliteExtensions = [".db", ".sqlite", ".sqlite3"];
    private static readonly string[] SqliteCompanions = ["-wal", "-shm", "-journal"];

    public static SourceScan Scan(BackupPaths paths)
    {
        var scan = new SourceScan([], [], [], []);
        foreach (var source in paths.Sources)
        {
            if (!Path.Exists(source.RealPath))
            {
                scan.Skipped.Add(source.PiPath);
                continue;
            }
            var stat = LibC.Stat(source.RealPath);
            if (source.IsFolder != stat.IsDirectory)
            {
                scan.Skipped.Add(source.PiPath);
                scan.Ignored.Add($"{source.PiPath}: expected a {(source.IsFolder ? "folder" : "file")}");
                continue;
            }
            scan.Found.Add(source.PiPath);
            Visit(source.RealPath, source.Member, stat, paths.BackupsFolder, scan);
        }
        return scan;
    }

    private static void Visit(string path, string member, FileStat stat, string backupsFolder, SourceScan scan)
    {
        if (stat.IsSymlink)
        {
            scan.Items.Add(new SourceItem(path, member, ItemKind.Symlink, stat));
        }
        else if (stat.IsRegularFile)
        {
            scan.Items.Add(new SourceItem(path, member, IsSqlite(path) ? ItemKind.SqliteDatabase : ItemKind.File, stat));
        }
        else if (stat.IsDirectory)
        {
            scan.Items.Add(new SourceItem(path, member, ItemKind.Directory, stat));
            foreach (var child in Directory.EnumerateFileSystemEntries(path).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(child);
                if (IsExcluded(child, name, backupsFolder))
                {
                    continue;
                }
                Visit(child, member + "/" + name, LibC.Stat(child), backupsFolder, scan);
            }
        }
        else
        {
            // Sockets, FIFOs and devices are not data: a restore would refuse them anyway.
            scan.Ignored.Add($"/{member}: not a file, folder or symlink");
        }
    }

    private static bool IsExcluded(string path, string name, string backupsFolder) =>
        path == backupsFolder
        || name.EndsWith(".partial", StringComparison.Ordinal)
        || name.EndsWith(".tmp", StringComparison.Ordinal)
        || name.StartsWith(".d3kos-restore-", StringComparison.Ordinal)
        || IsSqliteCompanion(path, name);

    /// <summary>The -wal, -shm and -journal files of a database: the snapshot already holds their content.</summary>
    private static bool IsSqliteCompanion(string path, string name)
    {
        foreach (var suffix in SqliteCompanions)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                var database = path[..^suffix.Length];
                return File.Exists(database) && IsSqlite(database);
            }
        }
        return false;
    }

    public static bool IsSqlite(string path)
    {
        if (!SqliteExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }
        Span<byte> header = stackalloc byte[16];
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return file.ReadAtLeast(header, 16, throwOnEndOfStream: false) == 16 && header.SequenceEqual("SQLite format 3\0"u8);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
