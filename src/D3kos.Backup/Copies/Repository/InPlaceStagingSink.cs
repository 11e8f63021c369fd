using System.Formats.Tar;
using D3kos.Common.Interop;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Backup;

/// <summary>
/// Brings the repository's staging folder to exactly what an archive holds by changing only what differs:
/// a file's bytes are compared with what is there and only the pieces that differ are written, owner,
/// mode and time are set only when they differ. A file left alone keeps its change time (ctime), which
/// no program can set back, so restic's file cache skips it only when nothing in it was touched; a file
/// touched in any way is read again. The card is spared too: a day's copy writes the pages of the boat
/// log that changed, not the whole database. What was written is flushed before restic reads it
/// (<see cref="RepositoryStaging"/>), so a power cut cannot take back bytes a snapshot already holds
/// while the file's change time says it is as restic saw it.
/// </summary>
internal sealed class InPlaceStagingSink(string folder) : IArchiveSink, IDisposable
{
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly List<(string Path, TarEntry Entry)> _folders = [];
    private readonly bool _root = Environment.IsPrivilegedProcess;
    private byte[] _existing = new byte[1 << 16];
    private SafeFileHandle? _file;
    private long _offset;
    private long _existingLength;

    /// <summary>Every member the archive named, to tell what in the folder is left from an earlier backup.</summary>
    public IReadOnlySet<string> Members => _members;

    /// <summary>Bytes written to the card, for the log and the benchmark.</summary>
    public long BytesWritten { get; private set; }

    public void BeginFile(TarEntry entry, string member, BackupSource source) => Begin(member, entry);

    /// <summary>A file the archive reader does not hand to a sink (the manifest), staged the same way.</summary>
    public void Begin(string member, TarEntry entry)
    {
        var path = PathOf(member);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (FileStat.TryLstat(path, out var there) && !there.IsRegularFile)
        {
            RemoveAny(path);
        }
        // A new file's mode is the entry's once it is written; the staging folder is root's alone meanwhile.
        _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
        _existingLength = RandomAccess.GetLength(_file);
        _offset = 0;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        var file = _file ?? throw new InvalidOperationException("Write without BeginFile.");
        if (_existing.Length < bytes.Length)
        {
            _existing = new byte[bytes.Length];
        }
        var had = _offset < _existingLength ? RandomAccess.Read(file, _existing.AsSpan(0, bytes.Length), _offset) : 0;
        if (had != bytes.Length || !bytes.SequenceEqual(_existing.AsSpan(0, had)))
        {
            RandomAccess.Write(file, bytes, _offset);
            BytesWritten += bytes.Length;
        }
        _offset += bytes.Length;
    }

    public void EndFile(TarEntry entry, string member, BackupSource source) => End(entry);

    public void End(TarEntry entry)
    {
        var file = _file ?? throw new InvalidOperationException("EndFile without BeginFile.");
        _file = null;
        using (file)
        {
            if (_existingLength > _offset)
            {
                RandomAccess.SetLength(file, _offset);
            }
            if (Differs(FileStat.Fstat(file), entry))
            {
                UnixFile.SetOwnerModeAndTime(file, entry.Uid, entry.Gid, StagingSink.SafeMode(entry.Mode), entry.ModificationTime);
            }
        }
    }

    public void Other(TarEntry entry, string member, BackupSource source)
    {
        var path = PathOf(member);
        var exists = FileStat.TryLstat(path, out var there);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (exists && !there.IsDirectory)
                {
                    RemoveAny(path);
                }
                Directory.CreateDirectory(path);
                // Set once the folder's contents are in place (and strays removed): either changes its time.
                _folders.Add((path, entry));
                break;
            case TarEntryType.SymbolicLink:
                if (exists && (!there.IsSymlink || new FileInfo(path).LinkTarget != entry.LinkName))
                {
                    RemoveAny(path);
                    exists = false;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                if (!exists)
                {
                    File.CreateSymbolicLink(path, entry.LinkName);
                }
                if (_root && (!exists || there.Uid != entry.Uid || there.Gid != entry.Gid))
                {
                    UnixFile.SetOwner(path, entry.Uid, entry.Gid);
                }
                break;
            case TarEntryType.HardLink:
                // The policy has made sure the target is an earlier file of the same source, staged already.
                var linked = PathOf(entry.LinkName.Trim('/'));
                if (!exists || !there.IsRegularFile || FileStat.Lstat(linked) is var target && (target.Inode != there.Inode || target.Device != there.Device))
                {
                    RemoveAny(path);
                    if (!UnixFile.TryHardLink(linked, path, out var errno))
                    {
                        throw new IOException($"Cannot make the hard link {path} (errno {errno}).");
                    }
                }
                break;
        }
    }

    /// <summary>Folders' owner, mode and time where they differ, deepest first, once nothing more is written in them.</summary>
    public void FinishFolders()
    {
        for (var i = _folders.Count - 1; i >= 0; i--)
        {
            var (path, entry) = _folders[i];
            if (FolderHandle.TryOpen(path, out var handle))
            {
                using (handle)
                {
                    if (Differs(handle.Stat(), entry))
                    {
                        handle.SetOwnerModeAndTime(entry.Uid, entry.Gid, StagingSink.SafeMode(entry.Mode), entry.ModificationTime);
                    }
                }
            }
        }
    }

    private bool Differs(FileStat there, TarEntry entry) =>
        there.Permissions != StagingSink.SafeMode(entry.Mode) || there.ModifiedAt.UtcTicks != entry.ModificationTime.UtcTicks
        || (_root && (there.Uid != entry.Uid || there.Gid != entry.Gid));

    private string PathOf(string member)
    {
        var name = member.TrimEnd('/');
        // A member's folders stay too, though a source that is one file has no entry for them.
        for (var kept = name; _members.Add(kept) && kept.LastIndexOf('/') is var slash and > 0; kept = kept[..slash])
        {
        }
        return Path.Combine(folder, name);
    }

    /// <summary>A file left open by a check that failed in its middle.</summary>
    public void Dispose() => _file?.Dispose();

    /// <summary>Removes a file, link or whole folder (a link is removed, never followed).</summary>
    public static void RemoveAny(string path)
    {
        if (FileStat.TryLstat(path, out var there) && there.IsDirectory)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }
}
