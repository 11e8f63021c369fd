using System.Globalization;

namespace D3kos.Backup;

/// <summary>
/// Binds a copy's name to its content at import. Whoever can write to a bucket or a stick can put an old
/// genuine copy there under a newer name, and the owner, picking the newest to restore, would roll the boat
/// back. A name that says when the backup was made must say what its manifest says, to the second.
/// </summary>
internal static class CopyNameCheck
{
    /// <param name="copyName">The name the copy had where it came from.</param>
    /// <param name="manifest">The archive's manifest, checked whole; null for a legacy archive, which has no time to compare.</param>
    public static void Check(string copyName, BackupManifest? manifest)
    {
        var backupName = CopyNames.BackupName(copyName);
        if (manifest is null || !BackupNames.TimeIsCreation(backupName) || BackupNames.CreatedFromName(backupName) is not { } named)
        {
            return;
        }
        // The name has whole seconds; the manifest the exact time the same clock gave.
        if ((manifest.Created - named).Duration() >= TimeSpan.FromSeconds(1))
        {
            throw new BackupException(BackupError.InvalidArchive, string.Create(CultureInfo.InvariantCulture,
                $"The copy's name says it was made {named:yyyy-MM-dd HH:mm:ss} UTC, but the backup inside was made {manifest.Created.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC: an older backup under a newer name, so nothing was kept."));
        }
    }
}
