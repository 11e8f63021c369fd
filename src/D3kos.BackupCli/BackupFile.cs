using System.CommandLine;
using D3kos.Backup;

namespace D3kos.BackupCli;

/// <summary>
/// What a FILE argument names. A path is a path: anything with a '/' in it, a file that exists where the
/// command runs ('my.tar.gz' as much as './my.tar.gz'), or a name no backup can have. Anything else is the
/// name of a backup this Pi holds, as 'list' shows it. A path into the backups folder is that backup.
/// </summary>
internal static class BackupFile
{
    public static Argument<string> Argument(string description) => Arguments.Word(new Argument<string>("FILE") { Description = description });

    /// <summary>The path of a file outside the backups folder, or null when <paramref name="file"/> names a backup held here.</summary>
    public static string? Outside(string file, BackupPaths paths)
    {
        if (!file.Contains('/', StringComparison.Ordinal) && !File.Exists(file) && BackupNames.IsBackupName(file))
        {
            return null;
        }
        var full = Path.GetFullPath(file);
        return Path.GetDirectoryName(full) == paths.BackupsFolder ? null : full;
    }

    /// <summary>
    /// The name of a backup held here; a file elsewhere is refused with <paramref name="elsewhere"/>. A bare
    /// backup name is this Pi's backup even when a download of the same name lies where the command runs.
    /// </summary>
    public static string Held(string file, BackupPaths paths, string elsewhere) =>
        (!file.Contains('/', StringComparison.Ordinal) && BackupNames.IsBackupName(file)) || Outside(file, paths) is null
            ? Path.GetFileName(file)
            : throw new UsageException(elsewhere);
}
