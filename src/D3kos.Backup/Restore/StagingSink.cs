using System.Formats.Tar;
using D3kos.Common.Interop;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Backup;

/// <summary>
/// Unpacks checked entries into each source's staging place (a sibling of the live path, so the
/// final swap is a rename on one file system). Each file is made, written and given its owner, mode
/// and time through one descriptor. A folder's own metadata is applied when the archive has moved past
/// it (archives list a folder before its contents), so a read-only folder cannot stop its own files from
/// being written and only the folders above the current entry are held, open: memory does not grow with
/// the number of files, and an entry of the folder the archive is in is made relative to its descriptor,
/// without the kernel looking up the whole staging path again for each of tens of thousands of files.
/// Nothing is flushed here: the restore flushes the staging file system once.
/// </summary>
internal sealed class StagingSink(IReadOnlyDictionary<string, string> stagedPathBySource) : IArchiveSink, IDisposable
{
    private readonly Stack<OpenFolder> _open = new();
    private SafeFileHandle? _file;
    private long _written;

    public int FilesWritten { get; private set; }

    public string Target(string member, BackupSource source) => stagedPathBySource[source.Member] + member[source.Member.Length..];

    public void BeginFile(TarEntry entry, string member, BackupSource source)
    {
        var path = Target(member, source);
        _file = EnterParentOf(path) is { } folder ? folder.Handle.CreateFile(Path.GetFileName(path)) : UnixFile.CreateNew(path);
        _written = 0;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        UnixFile.WriteAt(_file ?? throw new InvalidOperationException("Write without BeginFile."), bytes, _written);
        _written += bytes.Length;
    }

    public void EndFile(TarEntry entry, string member, BackupSource source)
    {
        var file = _file ?? throw new InvalidOperationException("EndFile without BeginFile.");
        _file = null;
        using (file)
        {
            UnixFile.SetOwnerModeAndTime(file, entry.Uid, entry.Gid, SafeMode(entry.Mode), entry.ModificationTime);
        }
        FilesWritten++;
    }

    public void Other(TarEntry entry, string member, BackupSource source)
    {
        var path = Target(member, source);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                FolderHandle handle;
                if (EnterParentOf(path) is { } parent)
                {
                    handle = parent.Handle.MakeFolder(Path.GetFileName(path));
                }
                else
                {
                    Directory.CreateDirectory(path);
                    handle = FolderHandle.TryOpen(path, out var opened) ? opened : throw new IOException($"Cannot open the staged folder {path}.");
                }
                _open.Push(new OpenFolder(path, handle, entry.Uid, entry.Gid, SafeMode(entry.Mode), entry.ModificationTime));
                break;
            case TarEntryType.SymbolicLink:
                EnterParentOf(path);
                File.CreateSymbolicLink(path, entry.LinkName);
                UnixFile.SetOwner(path, entry.Uid, entry.Gid);
                break;
            case TarEntryType.HardLink:
                // The policy has made sure the target is an earlier file of the same source. A hard link,
                // as it was on the boat: a copy would let a thousand links to one large file write a
                // thousand times its size (the restore limit counts a link's header size, zero).
                var linked = Target(entry.LinkName.TrimStart('/'), source);
                EnterParentOf(path);
                if (!UnixFile.TryHardLink(linked, path, out var errno))
                {
                    throw new IOException($"Cannot make the hard link {path} (errno {errno}).");
                }
                FilesWritten++;
                break;
        }
    }

    /// <summary>The metadata of the folders still open, deepest first so setting a parent's time sticks.</summary>
    public void FinishFolders()
    {
        while (_open.Count > 0)
        {
            Finish(_open.Pop());
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

    public void Dispose()
    {
        _file?.Dispose();
        while (_open.TryPop(out var folder))
        {
            folder.Handle.Dispose();
        }
    }

    /// <summary>
    /// Finishes the folders the archive has left and makes sure the entry's folder exists; returns it
    /// when it is the open folder the archive is in (the usual case: archives list a folder first). An
    /// archive that names a folder only after its files (or never) still unpacks: the folder is made here.
    /// </summary>
    private OpenFolder? EnterParentOf(string path)
    {
        var parent = Path.GetDirectoryName(path)!;
        CloseFoldersNotAbove(path);
        if (_open.TryPeek(out var current) && current.Path == parent)
        {
            return current;
        }
        Directory.CreateDirectory(parent);
        return null;
    }

    private void CloseFoldersNotAbove(string path)
    {
        while (_open.TryPeek(out var folder) && !path.StartsWith(folder.Path + "/", StringComparison.Ordinal))
        {
            Finish(_open.Pop());
        }
    }

    private static void Finish(OpenFolder folder)
    {
        using (folder.Handle)
        {
            folder.Handle.SetOwnerModeAndTime(folder.Uid, folder.Gid, folder.Mode, folder.Modified);
        }
    }

    private sealed record OpenFolder(string Path, FolderHandle Handle, int Uid, int Gid, UnixFileMode Mode, DateTimeOffset Modified);
}
