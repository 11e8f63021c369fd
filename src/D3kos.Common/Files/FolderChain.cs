using D3kos.Common.Interop;
using D3kos.Common.Security;

namespace D3kos.Common.Files;

/// <summary>
/// Whether another user could change what root finds at a path: root (as the backup API and the CLI run)
/// must not read its settings from, or write the boat's backups into, a place another user could swap.
/// </summary>
public static class FolderChain
{
    /// <summary>
    /// The first folder from / down to <paramref name="path"/> (itself included) that is not a real folder or
    /// file owned by root or by this user and closed to others (not group- or other-writable, unless the
    /// sticky bit protects its entries), or null when the whole chain is safe. Symlinks count as unsafe (lstat).
    /// </summary>
    public static string? FirstChangeableByOthers(string path) =>
        FromRoot(path).FirstOrDefault(p => !FileStat.TryLstat(p, out var stat) || stat.IsSymlink || !ClosedToOthers(stat));

    /// <summary>/ and every folder down to <paramref name="path"/>, itself last.</summary>
    public static IReadOnlyList<string> FromRoot(string path)
    {
        var chain = new List<string>();
        for (var p = path; p is not null; p = Path.GetDirectoryName(p))
        {
            chain.Insert(0, p);
        }
        return chain;
    }

    /// <summary>Owned by root or by this user, and not writable by group or others unless the sticky bit protects its entries.</summary>
    public static bool ClosedToOthers(FileStat stat) =>
        (stat.Uid == 0 || stat.Uid == ProcessIdentity.EffectiveUserId()) && !stat.WritableByOthers;
}
