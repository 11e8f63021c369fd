using D3kos.Common.Files;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// The renames that put a staged source live, and the renames that undo them. Each source is
/// moved as a whole, so after a crash every source is either entirely old or entirely new, and
/// the journal says which way to go.
/// </summary>
internal static class SourceSwap
{
    public static RestoreSwap Plan(BackupSource source, string restoreId)
    {
        var parent = SafeStaging.ParentFor(source.RealPath);
        var name = Path.GetFileName(source.RealPath);
        // One work folder per source: two sources can share a parent (/opt/d3kos/config and /opt/d3kos/data).
        var work = Path.Combine(parent, $".d3kos-restore-{restoreId}-{name}");
        return new RestoreSwap(source.RealPath, Path.Combine(work, "new", name), Path.Combine(work, "old", name), work, Path.Exists(source.RealPath));
    }

    /// <summary>Makes a work folder that only this user can enter (0700), whatever the umask.</summary>
    public static void CreateWorkFolder(RestoreSwap swap)
    {
        ExactMode.CreateFolder(swap.WorkFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.GetDirectoryName(swap.Staged)!);
    }

    public static void Apply(RestoreSwap swap)
    {
        if (!Path.Exists(swap.Staged))
        {
            throw new IOException($"the unpacked copy of {swap.Live} is gone");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(swap.Old)!);
        if (Path.Exists(swap.Live))
        {
            Move(swap.Live, swap.Old);
        }
        // The staging may sit higher up than the live place, whose folder may not exist yet (Move makes it).
        Move(swap.Staged, swap.Live);
    }

    /// <summary>Puts the old copy back wherever the swap got to; what was new goes aside and is removed.</summary>
    public static void Undo(RestoreSwap swap)
    {
        if (Path.Exists(swap.Old))
        {
            Discard(swap);
            Move(swap.Old, swap.Live);
        }
        else if (!swap.LiveExisted && !Path.Exists(swap.Staged))
        {
            // The new copy went live where nothing was before: it goes.
            Discard(swap);
        }
        // Otherwise the swap never started for this source and the live copy is untouched.
        RemoveWorkFolder(swap);
    }

    /// <summary>
    /// Removes the work folder with the previous copy in it. That copy holds folders another user owns
    /// (the d3kos user's under /home/d3kos), who may still have one open: the removal never follows a symlink.
    /// </summary>
    public static void RemoveWorkFolder(RestoreSwap swap) => TreeRemoval.Remove(swap.WorkFolder);

    private static void Discard(RestoreSwap swap)
    {
        if (Path.Exists(swap.Live))
        {
            var discarded = Path.Combine(swap.WorkFolder, "discarded");
            Directory.CreateDirectory(discarded);
            Move(swap.Live, Path.Combine(discarded, Path.GetFileName(swap.Live)));
        }
    }

    /// <summary>
    /// One rename, between folders opened without following any symlink on their paths: a folder on the
    /// way that another user owns (/home/d3kos) cannot be swapped for a link that sends root's rename
    /// elsewhere. A missing live folder is made, owned like the folder it is made in. The rename itself
    /// replaces the name at the destination, never what a symlink there points to.
    /// </summary>
    private static void Move(string from, string to)
    {
        using var fromFolder = FolderHandle.Open(Path.GetDirectoryName(from)!);
        using var toFolder = FolderHandle.Open(Path.GetDirectoryName(to)!, createMissing: true);
        fromFolder.Rename(Path.GetFileName(from), toFolder, Path.GetFileName(to));
    }
}
