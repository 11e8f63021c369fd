using System.Formats.Tar;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace D3kos.Backup;

/// <summary>
/// Decides, before a byte is written, whether an archive entry may be restored: only plain files,
/// folders and links that stay inside the backed-up source they belong to.
/// </summary>
internal sealed class EntryPolicy(IReadOnlyList<BackupSource> sources)
{
    // Every member seen, as 63 bits of the path's SHA-256 with the lowest bit saying "a regular file":
    // this grows with the number of files, so it holds 8 bytes per entry rather than the path. A
    // collision could only refuse an archive as "appears twice", or let a hard link name another clean
    // path inside its own source (see HardLinkProblem), which link(2) in the private staging folder then
    // refuses (missing, a folder) or makes harmlessly (a checked symlink).
    private readonly HashSet<ulong> _seen = [];
    private readonly HashSet<string> _symlinks = new(StringComparer.Ordinal);

    // Every path a symlink's target passes through on its way, as the kernel would walk it: keys, not
    // paths (a target of many names would hold every prefix of itself).
    private readonly HashSet<ulong> _walkedByLinks = [];

    /// <summary>Checks one entry; returns its member path and source, or the reason it is refused.</summary>
    public (string Member, BackupSource? Source, string? Error) Check(TarEntry entry)
    {
        var raw = entry.Name;
        var member = entry.EntryType == TarEntryType.Directory && raw.EndsWith('/') ? raw[..^1] : raw;
        var shown = new LazyPrintable(raw);
        if (NameProblem(member) is { } problem)
        {
            return (member, null, $"entry '{shown}': {problem}");
        }
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.Directory
            or TarEntryType.SymbolicLink or TarEntryType.HardLink))
        {
            return (member, null, $"entry '{shown}': type {entry.EntryType} is never restored (only files, folders and links)");
        }
        var source = sources.FirstOrDefault(s => s.Contains(member));
        if (source is null)
        {
            return (member, null, $"entry '{shown}' lies outside the backed-up sources");
        }
        if (ThroughSymlink(member) is { } link)
        {
            return (member, source, $"entry '{shown}' would be written through the symlink '{link}'");
        }
        var key = PathKey(member);
        if (_seen.Contains(key) || _seen.Contains(key | 1))
        {
            return (member, source, $"entry '{shown}' appears twice");
        }
        // A regular file passes every check below, so it is marked as one right away.
        _seen.Add(entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile ? key | 1 : key);
        if (entry.EntryType == TarEntryType.SymbolicLink && SymlinkProblem(member, entry.LinkName, source) is { } symlinkProblem)
        {
            return (member, source, $"symlink '{shown}': {symlinkProblem}");
        }
        if (entry.EntryType == TarEntryType.SymbolicLink && _walkedByLinks.Contains(PathKey(member)))
        {
            // Made after a link that walks through this path: it would change where that link leads.
            return (member, source, $"symlink '{shown}' lies on the way of an earlier link's target");
        }
        if (entry.EntryType == TarEntryType.HardLink && HardLinkProblem(entry.LinkName.TrimStart('/'), source) is { } hardLinkProblem)
        {
            return (member, source, $"hard link '{shown}' points to '{BackupPaths.Printable(entry.LinkName)}', {hardLinkProblem}");
        }
        if (entry.EntryType == TarEntryType.SymbolicLink)
        {
            _symlinks.Add(member);
        }
        return (member, source, null);
    }

    /// <summary>
    /// A hard link's target must be a clean path (the same name checks as an entry's: no '..', no '.',
    /// not absolute, not through a symlink), inside the link's source, and a regular file earlier in
    /// the archive. The name checks come first: the last test compares 63-bit keys, and only names that
    /// pass them can ever reach link(2), so a contrived key collision cannot name a path outside.
    /// </summary>
    private string? HardLinkProblem(string target, BackupSource source)
    {
        if (NameProblem(target) is not null || ThroughSymlink(target) is not null)
        {
            return "which is not a plain path";
        }
        if (!source.Contains(target))
        {
            return "outside its source";
        }
        return _seen.Contains(PathKey(target) | 1) ? null : "which is not a file earlier in the same archive";
    }

    /// <summary>
    /// The most names a member's path may have, and its most bytes: the backup leaves deeper or longer ones
    /// out, a restore refuses them. Well inside PATH_MAX (4096) with the staging folder in front, and each
    /// folder level held open costs a descriptor and its path while a tree is walked or unpacked.
    /// </summary>
    public const int MaxDepth = 128;

    public const int MaxMemberBytes = 3072;

    /// <summary>The limit above, as the messages say it.</summary>
    public static readonly string TooLongText = $"more than {MaxDepth} names or {MaxMemberBytes} bytes";

    /// <summary>A member path (or a link's target) past <see cref="MaxDepth"/> names or <see cref="MaxMemberBytes"/> bytes.</summary>
    public static bool TooLong(string path) =>
        System.Text.Encoding.UTF8.GetByteCount(path) > MaxMemberBytes || path.AsSpan().Count('/') + 1 > MaxDepth;

    public static string? NameProblem(string member)
    {
        if (member.Length == 0)
        {
            return "empty name";
        }
        if (TooLong(member))
        {
            return "a path of " + TooLongText;
        }
        if (member.AsSpan().IndexOfAnyInRange('\0', '\x1f') >= 0 || member.AsSpan().IndexOfAnyInRange('\x7f', '\x9f') >= 0)
        {
            return "control character in the name";
        }
        if (member.StartsWith('/'))
        {
            return "absolute path";
        }
        foreach (var range in member.AsSpan().Split('/'))
        {
            if (member.AsSpan(range) is "" or "." or "..")
            {
                return "'..', '.' or an empty segment in the path";
            }
        }
        return null;
    }

    /// <summary>The path's key with its lowest bit clear (the bit is the file flag).</summary>
    private static ulong PathKey(string member)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(MemoryMarshal.AsBytes(member.AsSpan()), hash);
        return MemoryMarshal.Read<ulong>(hash) & ~1UL;
    }

    /// <summary>An entry's name as shown in a message, made only when there is a message to show.</summary>
    private readonly struct LazyPrintable(string raw)
    {
        public override string ToString() => BackupPaths.Printable(raw);
    }

    private string? ThroughSymlink(string member)
    {
        for (var slash = member.IndexOf('/'); slash > 0; slash = member.IndexOf('/', slash + 1))
        {
            if (_symlinks.Contains(member[..slash]))
            {
                return member[..slash];
            }
        }
        return null;
    }

    /// <summary>
    /// A symlink may only point inside its own source, wherever the archive is unpacked, judged as the
    /// kernel resolves it: a target that walks through another symlink (B/../../x where B is a link) is
    /// refused, because its lexical reading is not where it leads (the rule of Python's tarfile "data"
    /// filter, PEP 706, made strict: no link through a link).
    /// </summary>
    private string? SymlinkProblem(string member, string target, BackupSource source)
    {
        if (target.Length == 0 || target.Any(char.IsControl))
        {
            return "empty target or control character in the target";
        }
        if (TooLong(target))
        {
            return "a target of " + TooLongText;
        }
        var start = target.StartsWith('/') ? [] : member.Split('/')[..^1].ToList();
        foreach (var segment in target.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (start.Count == 0)
                    {
                        return $"target '{BackupPaths.Printable(target)}' climbs above the root";
                    }
                    start.RemoveAt(start.Count - 1);
                    break;
                default:
                    start.Add(segment);
                    var walked = string.Join('/', start);
                    if (_symlinks.Contains(walked))
                    {
                        return $"target '{BackupPaths.Printable(target)}' leads through the symlink '{BackupPaths.Printable(walked)}'";
                    }
                    _walkedByLinks.Add(PathKey(walked));
                    break;
            }
        }
        var resolved = string.Join('/', start);
        return source.IsFolder && source.Contains(resolved)
            ? null
            : $"target '{BackupPaths.Printable(target)}' points outside {source.PiPath}";
    }
}
