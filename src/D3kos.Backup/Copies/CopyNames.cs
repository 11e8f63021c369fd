namespace D3kos.Backup;

/// <summary>What a copy is called on a target, and which names on a target are copies: one rule for drives and buckets.</summary>
internal static class CopyNames
{
    /// <summary>The backup's name, with ".gpg" when the copy is encrypted.</summary>
    public static string For(string backupName, bool encrypted) => encrypted ? backupName + OpenPgpFile.Extension : backupName;

    public static string BackupName(string copyName) =>
        copyName.EndsWith(OpenPgpFile.Extension, StringComparison.Ordinal) ? copyName[..^OpenPgpFile.Extension.Length] : copyName;

    public static bool IsCopy(string name) => BackupNames.IsBackupName(BackupName(name));

    /// <summary>The names that are copies, newest first (by the backup's name, which is the order of making); anything else is not ours.</summary>
    public static IReadOnlyList<string> NewestFirst(IEnumerable<string> names) =>
        [.. names.Where(IsCopy).OrderByDescending(n => BackupNames.SortKey(BackupName(n)))];
}
