using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// One thing to archive: where it is, its member name, and what it is. <see cref="Folder"/> is the open
/// folder it was found in (null for a source itself), valid only until the walk moves on: the archive
/// opens the item through it by <see cref="Name"/>, without the kernel walking the whole path again.
/// <see cref="Stat"/> is null for a plain file the archive's walk took from the folder listing: the
/// archive stats it once it has it open, one call instead of two.
/// </summary>
internal sealed record SourceItem(string RealPath, string Member, ItemKind Kind, FileStat? Stat, FolderHandle? Folder, string Name)
{
    public bool IsData => Kind is ItemKind.File or ItemKind.SqliteDatabase;
}
