using System.Runtime.ExceptionServices;
using D3kos.Common.Interop;

namespace D3kos.Common.Files;

/// <summary>
/// Removes a folder and everything in it through folder descriptors: each folder is opened without
/// following a symlink, listed once, and its entries removed by name relative to it (unlinkat). An entry
/// swapped for a symlink while the tree goes is removed as a link, never followed, so a user who kept a
/// folder of a restore's previous copy open cannot point root's removal at /etc. Directory.Delete with
/// recursive works by path and goes through a folder swapped for a symlink between its listing and its
/// removal. Fewer calls too: no path is looked up again from /, and a folder is listed on the descriptor
/// already open. Memory holds one listing per folder level and thread. A subfolder goes to another thread
/// whenever one of the <see cref="Threads"/> is free: descriptors make that as safe as one thread.
/// </summary>
public sealed class TreeRemoval
{
    /// <summary>How often a folder that keeps getting new entries while it is emptied is emptied again.</summary>
    private const int Rounds = 3;

    private static int Threads => Math.Min(Environment.ProcessorCount, 4);

    private int _freeThreads = Threads - 1;

    private TreeRemoval()
    {
    }

    /// <summary>Removes <paramref name="path"/> and everything under it; nothing there is fine.</summary>
    public static void Remove(string path)
    {
        var parentPath = Path.GetDirectoryName(path) ?? throw new ArgumentException("Cannot remove /.", nameof(path));
        if (!LibC.TryOpenFolder(parentPath, out var parent))
        {
            return;
        }
        using (parent)
        {
            new TreeRemoval().RemoveEntry(parent, Path.GetFileName(path), FolderEntryKind.Unknown);
        }
    }

    private void RemoveEntry(DirectoryHandle parent, string name, FolderEntryKind kind)
    {
        // A name the listing did not call a folder is unlinked first: EISDIR says it is one (now).
        if (kind != FolderEntryKind.Folder && LibC.TryUnlink(parent, name))
        {
            return;
        }
        for (var round = 0; round < Rounds; round++)
        {
            if (!LibC.TryOpenFolder(parent, name, out var folder))
            {
                // Gone, or no longer a folder (a symlink or a file put in its place): the name itself goes.
                LibC.TryUnlink(parent, name);
                return;
            }
            using (folder)
            {
                RemoveContents(folder);
            }
            if (LibC.TryRemoveFolder(parent, name))
            {
                return;
            }
        }
        throw new IOException($"Cannot remove the folder '{name}': something keeps adding to it.");
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

    private void RemoveContents(DirectoryHandle folder)
    {
        var entries = new List<FolderEntry>();
        LibC.ListFolder(folder, entries);
        var elsewhere = new List<Task>();
        foreach (var entry in entries)
        {
            if (entry.Kind == FolderEntryKind.Folder && TakeThread())
            {
                elsewhere.Add(Task.Run(() =>
                {
                    try
                    {
                        RemoveEntry(folder, entry.Name, entry.Kind);
                    }
                    finally
                    {
                        Interlocked.Increment(ref _freeThreads);
                    }
                }));
            }
            else
            {
                RemoveEntry(folder, entry.Name, entry.Kind);
            }
        }
        try
        {
            // The folder stays open until every subfolder handed off is gone.
            Task.WaitAll(elsewhere);
        }
        catch (AggregateException ex)
        {
            // The first failure as itself (an IOException), as a removal on one thread throws it.
            ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }
    }
}
