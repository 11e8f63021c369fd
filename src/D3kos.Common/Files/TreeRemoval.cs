using System.Runtime.ExceptionServices;
using D3kos.Common.Interop;

namespace D3kos.Common.Files;

/// <summary>
/// Removes a folder and everything in it through folder descriptors: each folder is opened without
/// following a symlink, listed once, and its entries removed by name relative to it (unlinkat), by the
/// file system's bytes (a name that is not UTF-8 goes too). An entry swapped for a symlink while the tree
/// goes is removed as a link, never followed, so a user who kept a folder of a restore's previous copy open
/// cannot point root's removal at /etc. Directory.Delete with recursive works by path and goes through a
/// folder swapped for a symlink between its listing and its removal. Fewer calls too: no path is looked up
/// again from /, and a folder is listed on the descriptor already open.
/// Depth is bounded: a folder <see cref="MaxDepth"/> levels down is moved up into the top folder (one
/// rename) and removed from there in a later round, so a chain of folders a user made as deep as they
/// liked costs neither stack nor descriptors nor memory beyond that depth. A subfolder goes to another
/// thread whenever one of the <see cref="Threads"/> is free: descriptors make that as safe as one thread,
/// and a <see cref="FolderHandle"/> stays open while any thread still uses it.
/// </summary>
public sealed class TreeRemoval
{
    /// <summary>How often a folder that keeps getting new entries while it is emptied is emptied again.</summary>
    private const int Rounds = 3;

    /// <summary>Rounds over the top folder, each taking <see cref="MaxDepth"/> levels off the deepest chain.</summary>
    private const int TopRounds = 100_000;

    private const int MaxDepth = 64;

    private static int Threads => Math.Min(Environment.ProcessorCount, 4);

    private readonly FolderHandle _top;
    private int _freeThreads = Threads - 1;

    private TreeRemoval(FolderHandle top) => _top = top;

    /// <summary>
    /// Removes <paramref name="path"/> and everything under it; nothing there is fine. The folders on the
    /// way to it must be real folders, not symlinks (as for a restore's renames).
    /// </summary>
    public static void Remove(string path)
    {
        var parentPath = Path.GetDirectoryName(path) ?? throw new ArgumentException("Cannot remove /.", nameof(path));
        if (!Directory.Exists(parentPath))
        {
            return;
        }
        using var parent = FolderHandle.Open(parentPath);
        var name = System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(path));
        if (parent.TryUnlink(name))
        {
            return; // gone, or a file or a symlink: the name itself went
        }
        for (var round = 0; round < Rounds; round++)
        {
            if (!parent.TryOpenFolder(name, out var top))
            {
                parent.TryUnlink(name);
                return;
            }
            using (top)
            {
                new TreeRemoval(top).EmptyTop();
            }
            if (parent.TryRemoveFolder(name))
            {
                return;
            }
        }
        throw new IOException($"Cannot remove '{path}': something keeps adding to it.");
    }

    /// <summary>Empties the top folder round by round, until the chains moved up into it are gone too.</summary>
    private void EmptyTop()
    {
        for (var round = 0; round < TopRounds; round++)
        {
            _top.Rewind();
            var entries = List(_top);
            if (entries.Count == 0)
            {
                return;
            }
            RemoveAll(_top, entries, depth: 1);
        }
        throw new IOException("Cannot remove a folder: something keeps adding to it.");
    }

    private void RemoveEntry(FolderHandle parent, byte[] name, FolderEntryKind kind, int depth)
    {
        // A name the listing did not call a folder is unlinked first: EISDIR says it is one (now).
        if (kind != FolderEntryKind.Folder && parent.TryUnlink(name))
        {
            return;
        }
        if (depth >= MaxDepth)
        {
            // Up into the top folder, for a later round: renameat moves the name itself, never through a symlink.
            _ = parent.TryMove(name, _top, $".deep-{Guid.NewGuid():N}"); // false: gone already
            return;
        }
        for (var round = 0; round < Rounds; round++)
        {
            if (!parent.TryOpenFolder(name, out var folder))
            {
                // Gone, or no longer a folder (a symlink or a file put in its place): the name itself goes.
                parent.TryUnlink(name);
                return;
            }
            using (folder)
            {
                RemoveAll(folder, List(folder), depth + 1);
            }
            if (parent.TryRemoveFolder(name))
            {
                return;
            }
        }
        throw new IOException("Cannot remove a folder: something keeps adding to it.");
    }

    private static List<(byte[] Name, FolderEntryKind Kind)> List(FolderHandle folder)
    {
        var entries = new List<(byte[] Name, FolderEntryKind Kind)>();
        folder.List((name, kind) => entries.Add((name.ToArray(), kind)));
        return entries;
    }

    private void RemoveAll(FolderHandle folder, List<(byte[] Name, FolderEntryKind Kind)> entries, int depth)
    {
        var elsewhere = new List<Task>();
        try
        {
            foreach (var (name, kind) in entries)
            {
                if (kind == FolderEntryKind.Folder && TakeThread())
                {
                    elsewhere.Add(Task.Run(() =>
                    {
                        try
                        {
                            RemoveEntry(folder, name, kind, depth);
                        }
                        finally
                        {
                            Interlocked.Increment(ref _freeThreads);
                        }
                    }));
                }
                else
                {
                    RemoveEntry(folder, name, kind, depth);
                }
            }
        }
        catch
        {
            // The removal is over when it returns or throws: nothing handed off goes on after it.
            try
            {
                Task.WaitAll(elsewhere);
            }
            catch (AggregateException)
            {
                // This thread's failure is the one to report.
            }
            throw;
        }
        try
        {
            Task.WaitAll(elsewhere);
        }
        catch (AggregateException ex)
        {
            // The first failure as itself (an IOException), as a removal on one thread throws it.
            ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }
    }

    private bool TakeThread()
    {
        var free = Volatile.Read(ref _freeThreads);
        while (free > 0)
        {
            var seen = Interlocked.CompareExchange(ref _freeThreads, free - 1, free);
            if (seen == free)
            {
                return true;
            }
            free = seen;
        }
        return false;
    }
}
