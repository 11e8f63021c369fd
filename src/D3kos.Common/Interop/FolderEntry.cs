namespace D3kos.Common.Interop;

/// <summary>What a folder listing says a name is (d_type); <see cref="Unknown"/> where the file system does not say.</summary>
public enum FolderEntryKind
{
    Unknown,
    File,
    Folder,
    Symlink,
    Other,

    /// <summary>A name that is not UTF-8: a string cannot name it again (the entry's name is empty).</summary>
    NotUtf8,
}

/// <summary>One name in a folder, with its kind as the listing gave it (no stat needed).</summary>
public readonly record struct FolderEntry(string Name, FolderEntryKind Kind);
