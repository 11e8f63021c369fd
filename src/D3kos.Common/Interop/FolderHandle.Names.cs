namespace D3kos.Common.Interop;

// Names removed and moved by their own bytes (unlinkat, renameat), which also takes names that are not UTF-8.
public sealed partial class FolderHandle
{
    /// <summary>
    /// Removes a name that is not a folder (a file, a symlink itself, anything else); true also when it is
    /// already gone, false when it is a folder (EISDIR), which needs <see cref="TryRemoveFolder"/>.
    /// </summary>
    public unsafe bool TryUnlink(ReadOnlySpan<byte> name)
    {
        int result;
        fixed (byte* path = Terminated(name))
        {
            result = LibC.UnlinkAt(this, path, 0);
        }
        return result == 0 || LibC.LastError switch
        {
            Errno.NoSuchEntry => true,
            Errno.IsADirectory => false,
            _ => throw LibC.Error("Cannot remove a file"),
        };
    }

    /// <summary>Removes an empty subfolder by name; true also when it is gone, false when it is not empty.</summary>
    public unsafe bool TryRemoveFolder(ReadOnlySpan<byte> name)
    {
        int result;
        fixed (byte* path = Terminated(name))
        {
            result = LibC.UnlinkAt(this, path, Flags.AtRemoveDir);
        }
        return result == 0 || LibC.LastError switch
        {
            Errno.NoSuchEntry => true,
            Errno.NotEmpty => false,
            Errno.NotADirectory => TryUnlink(name), // swapped for a file or a link meanwhile: the name goes
            _ => throw LibC.Error("Cannot remove a folder"),
        };
    }

    /// <summary>renameat(2) of a name here (as bytes) to a name in <paramref name="to"/>; false when the name is gone.</summary>
    public bool TryMove(ReadOnlySpan<byte> name, FolderHandle to, string toName) =>
        RenameAt(name, to, toName) || (LibC.LastError == Errno.NoSuchEntry ? false : throw LibC.Error($"Cannot move a folder to '{toName}'"));

    /// <summary>rename(2) of a name here to a name in <paramref name="to"/>: the name itself moves, never what a symlink points to.</summary>
    public void Rename(string name, FolderHandle to, string toName)
    {
        if (!RenameAt(System.Text.Encoding.UTF8.GetBytes(name), to, toName))
        {
            throw LibC.Error($"Cannot rename '{name}' to '{toName}'");
        }
    }

    private unsafe bool RenameAt(ReadOnlySpan<byte> name, FolderHandle to, string toName)
    {
        fixed (byte* from = Terminated(name))
        fixed (byte* target = Terminated(System.Text.Encoding.UTF8.GetBytes(toName)))
        {
            return LibC.RenameAt(this, from, to, target) == 0;
        }
    }
}
