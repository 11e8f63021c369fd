using D3kos.Common.Interop;

namespace D3kos.Backup;

internal static class SourceScanner
{
    private static readonly string[] SqliteExtensions = [".db", ".sqlite", ".sqlite3"];
    private static readonly string[] SqliteCompanions = ["-wal", "-shm", "-journal"];

    /// <summary>Which sources exist, and are of the kind expected; nothing below them is walked yet.</summary>
    public static SourceScan Find(BackupPaths paths) => Find(paths.Sources, paths.NeverArchived);

    /// <summary>Which of <paramref name="sources"/> exist (a restore's, or the old state's folders set aside by one).</summary>
    public static SourceScan Find(IReadOnlyList<BackupSource> sources, IReadOnlySet<string> neverArchived)
    {
        var found = new List<BackupSource>();
        var skipped = new List<string>();
        var ignored = new List<string>();
        foreach (var source in sources)
        {
            if (!TryStatSource(source, out var stat))
            {
                skipped.Add(source.PiPath);
            }
            else if (source.IsFolder ? !stat.IsDirectory : !stat.IsRegularFile)
            {
                skipped.Add(source.PiPath);
                ignored.Add($"{source.PiPath}: expected a {(source.IsFolder ? "folder" : "file")}");
            }
            else
            {
                found.Add(source);
            }
        }
        var scan = new SourceScan(found, neverArchived);
        scan.Skipped.AddRange(skipped);
        scan.Ignored.AddRange(ignored);
        return scan;
    }

    /// <summary>
    /// A source as the walk will see it: a folder by lstat of its path, a single file by its name in its
    /// folder opened without following a symlink (a folder of the d3kos user's that is a link elsewhere
    /// counts as missing: it is not followed).
    /// </summary>
    private static bool TryStatSource(BackupSource source, out FileStat stat)
    {
        if (source.IsFolder)
        {
            return FileStat.TryLstat(source.RealPath, out stat);
        }
        stat = default;
        if (!FolderHandle.TryOpen(Path.GetDirectoryName(source.RealPath)!, out var folder))
        {
            return false;
        }
        using (folder)
        {
            return folder.TryStat(Path.GetFileName(source.RealPath), out stat);
        }
    }

    /// <summary>Walks the found sources once and keeps only totals (and what it passed over).</summary>
    public static ScanTotals Count(SourceScan scan, CancellationToken cancellation)
    {
        long totalBytes = 0, largestDatabase = 0, recordBytes = 0;
        var ignored = new LeftOutNotes();
        scan.Ignored.ForEach(ignored.Add);
        foreach (var item in scan.FoundSources.SelectMany(source => Walk(source, scan.NeverArchived, ignored, statFiles: true)))
        {
            cancellation.ThrowIfCancellationRequested();
            if (!item.IsData)
            {
                continue;
            }
            var size = item.Stat!.Value.Size;
            totalBytes += size;
            recordBytes += ManifestSpool.RecordBound(item.Member);
            if (item.Kind == ItemKind.SqliteDatabase)
            {
                largestDatabase = Math.Max(largestDatabase, size);
            }
        }
        return new ScanTotals(totalBytes, largestDatabase, recordBytes, ignored);
    }

    /// <summary>
    /// One found source's entries; what vanished inside it since it was listed is passed over, what cannot
    /// be archived is noted in <paramref name="ignored"/>. The source itself gone (or now another kind)
    /// starts the backup over: the manifest already names it as found.
    /// </summary>
    /// <param name="statFiles">false leaves the stat of a file the listing names as one to whoever opens it.</param>
    internal static IEnumerable<SourceItem> Walk(BackupSource source, IReadOnlySet<string> neverArchived, LeftOutNotes? ignored, bool statFiles)
    {
        if (!source.IsFolder)
        {
            return WalkFile(source, neverArchived, ignored, statFiles);
        }
        if (!FileStat.TryLstat(source.RealPath, out var stat) || !stat.IsDirectory)
        {
            throw Disappeared(source);
        }
        return Visit(null, Path.GetFileName(source.RealPath), source.RealPath, source.Member, stat, neverArchived, ignored, statFiles);
    }

    private static BackupException Disappeared(BackupSource source) =>
        new(BackupError.SourceChanged, $"{source.PiPath} disappeared while it was being backed up.");

    /// <summary>
    /// A source that is one file (flows.json), found through its folder opened without following a symlink:
    /// the folder (/home/d3kos/.node-red) belongs to the d3kos user, who could make it a link elsewhere.
    /// </summary>
    private static IEnumerable<SourceItem> WalkFile(BackupSource source, IReadOnlySet<string> neverArchived, LeftOutNotes? ignored, bool statFiles)
    {
        var name = Path.GetFileName(source.RealPath);
        if (!FolderHandle.TryOpen(Path.GetDirectoryName(source.RealPath)!, out var folder))
        {
            throw Disappeared(source);
        }
        using (folder)
        {
            if (!folder.TryStat(name, out var stat) || !stat.IsRegularFile)
            {
                throw Disappeared(source);
            }
            foreach (var item in Visit(folder, name, source.RealPath, source.Member, stat, neverArchived, ignored, statFiles))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// The item and, for a folder, everything under it. A folder is walked through its descriptor, opened
    /// without following a symlink: names are looked up in it, not along the whole path again, and a
    /// folder swapped for a symlink after it was listed is passed over rather than followed. What lies
    /// deeper or longer than <see cref="EntryPolicy.MaxDepth"/> names and <see cref="EntryPolicy.MaxMemberBytes"/>
    /// allow is left out and noted: a restore refuses it, and a chain of folders a user made as deep as
    /// they liked would cost memory with every level (each holds its path).
    /// </summary>
    private static IEnumerable<SourceItem> Visit(FolderHandle? parent, string name, string path, string member, FileStat stat,
        IReadOnlySet<string> neverArchived, LeftOutNotes? ignored, bool statFiles)
    {
        if (stat.IsSymlink)
        {
            yield return new SourceItem(path, member, ItemKind.Symlink, stat, parent, name);
        }
        else if (stat.IsRegularFile)
        {
            yield return new SourceItem(path, member, FileKind(parent, name, path), stat, parent, name);
        }
        else if (stat.IsDirectory)
        {
            yield return new SourceItem(path, member, ItemKind.Directory, stat, parent, name);
            if (!(parent is null ? FolderHandle.TryOpen(path, out var folder) : parent.TryOpenFolder(name, out folder)))
            {
                yield break; // removed or replaced since its entry was listed
            }
            using (folder)
            {
                // One folder's names at a time: sorted, so an archive of the same tree is the same.
                var children = new List<FolderEntry>();
                folder.List(children);
                children.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                foreach (var (childName, kind) in children)
                {
                    if (kind == FolderEntryKind.NotUtf8)
                    {
                        ignored?.Add($"/{member}: a name that is not UTF-8, left out");
                        continue;
                    }
                    var child = path + "/" + childName;
                    var childMember = member + "/" + childName;
                    if (IsExcluded(folder, child, childName, neverArchived))
                    {
                        continue;
                    }
                    if (EntryPolicy.TooLong(childMember))
                    {
                        ignored?.Add($"/{member}/{childName}: a path of {EntryPolicy.TooLongText}, left out");
                        continue;
                    }
                    FileStat childStat;
                    if (kind == FolderEntryKind.File && !statFiles)
                    {
                        // Its kind is read once, here (a database's header through the folder), not again by Visit.
                        var fileKind = FileKind(folder, childName, child);
                        if (fileKind == ItemKind.File)
                        {
                            yield return new SourceItem(child, childMember, ItemKind.File, null, folder, childName);
                            continue;
                        }
                        if (!folder.TryStat(childName, out childStat))
                        {
                            continue;
                        }
                        if (childStat.IsRegularFile)
                        {
                            // A database keeps the walk's stat: its entry gets the database's owner, mode and time.
                            yield return new SourceItem(child, childMember, fileKind, childStat, folder, childName);
                            continue;
                        }
                    }
                    else if (!folder.TryStat(childName, out childStat))
                    {
                        continue;
                    }
                    foreach (var item in Visit(folder, childName, child, childMember, childStat, neverArchived, ignored, statFiles))
                    {
                        yield return item;
                    }
                }
            }
        }
        else
        {
            // Sockets, FIFOs and devices are not data: a restore would refuse them anyway.
            ignored?.Add($"/{member}: not a file, folder or symlink");
        }
    }

    private static ItemKind FileKind(FolderHandle? folder, string name, string path) =>
        IsSqlite(folder, name, path) ? ItemKind.SqliteDatabase : ItemKind.File;

    private static bool IsExcluded(FolderHandle folder, string path, string name, IReadOnlySet<string> neverArchived) =>
        neverArchived.Contains(path)
        || name.EndsWith(".partial", StringComparison.Ordinal)
        || name.EndsWith(".tmp", StringComparison.Ordinal)
        || name.StartsWith(".d3kos-restore-", StringComparison.Ordinal)
        || IsSqliteCompanion(folder, path, name);

    /// <summary>The -wal, -shm and -journal files of a database: the snapshot already holds their content.</summary>
    private static bool IsSqliteCompanion(FolderHandle folder, string path, string name)
    {
        foreach (var suffix in SqliteCompanions)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return IsSqlite(folder, name[..^suffix.Length], path[..^suffix.Length]);
            }
        }
        return false;
    }

    /// <summary>
    /// A plain file named like a database that starts with SQLite's header. Read through a descriptor
    /// opened without following a symlink or waiting (O_NONBLOCK), and only when it is a regular file: a
    /// user's x.db that is a FIFO or a link to a device must neither hang the backup nor be opened as root.
    /// </summary>
    private static bool IsSqlite(FolderHandle? folder, string name, string path)
    {
        if (!SqliteExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }
        Microsoft.Win32.SafeHandles.SafeFileHandle file;
        try
        {
            file = folder is null ? UnixFile.OpenReadNoFollow(path) : folder.OpenRead(name);
        }
        catch (IOException)
        {
            return false; // gone, a symlink, a socket, unreadable: not a database to snapshot
        }
        using (file)
        {
            Span<byte> header = stackalloc byte[16];
            return FileStat.Fstat(file).IsRegularFile && UnixFile.ReadAt(file, header, 0) == 16 && header.SequenceEqual("SQLite format 3\0"u8);
        }
    }
}
