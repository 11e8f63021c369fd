using System.Formats.Tar;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// Unpacks checked entries into each source's staging place (a sibling of the live path, so the
/// final swap is a rename on one file system). Folder modes are applied last, so a read-only
/// folder in the backup cannot stop its own files from being written.
/// </summary>
internal sealed class StagingSink(IReadOnlyDictionary<string, string> stagedPathBySource) : IArchiveSink
{
    private readonly List<(string Path, TarEntry Entry)> _folders = [];

    public int FilesWritten { get; private set; }

    public string Target(string member, BackupSource source) => stagedPathBySource[source.Member] + member[source.Member.Length..];

    public Stream BeginFile(TarEntry entry, string member, BackupSource source)
    {
        var path = Target(member, source);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    public void EndFile(TarEntry entry, string member, BackupSource source)
    {
        var path = Target(member, source);
        ApplyMetadata(path, entry);
        FilesWritten++;
    }

    public void Other(TarEntry entry, string member, BackupSource source)
    {
        var path = Target(member, source);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                Directory.CreateDirectory(path);
                _folders.Add((path, entry));
                break;
            case TarEntryType.SymbolicLink:
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.CreateSymbolicLink(path, entry.LinkName);
                LibC.SetOwner(path, entry.Uid, entry.Gid);
                break;
            case TarEntryType.HardLink:
                // The policy has made sure the target is an earlier file of the same source. A hard link,
                // as it was on the boat: a copy would let a thousand links to one large file write a
                // thousand times its size (the restore limit counts a link's header size, zero).
                var linked = Target(entry.LinkName.TrimStart('/'), source);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                if (!LibC.TryHardLink(linked, path, out var errno))
                {
                    throw new IOException($"Cannot make the hard link {path} (errno {errno}).");
                }
                FilesWritten++;
                break;
        }
    }

    /// <summary>Folder modes, owners and times, deepest first so setting a parent's time sticks.</summary>
    public void FinishFolders()
    {
        foreach (var (path, entry) in _folders.OrderByDescending(f => f.Path.Length))
        {
            ApplyMetadata(path, entry);
        }
    }

    /// <summary>
    /// The mode a restore gives an entry: as archived, less setuid, setgid and sticky, and less write for
    /// others (the bits Python's tarfile "data" filter clears, PEP 706, except group write, which the
    /// d3kos group's shared files need). A restore runs as root; an archive must not hand out a root
    /// setuid program or a folder anyone can write into.
    /// </summary>
    public static UnixFileMode SafeMode(UnixFileMode archived) =>
        archived & ~(UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit | UnixFileMode.OtherWrite);

    private static void ApplyMetadata(string path, TarEntry entry)
    {
        LibC.SetOwner(path, entry.Uid, entry.Gid);
        File.SetUnixFileMode(path, SafeMode(entry.Mode));
        if (entry.EntryType == TarEntryType.Directory)
        {
            Directory.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
        }
        else
        {
            File.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
        }
    }
}
