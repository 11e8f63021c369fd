namespace D3kos.Backup;

/// <summary>
/// Which format a target's copies take: the one place that decides it. The owner's Format setting wins. A
/// drive without one keeps OpenPGP files (a stick a shore computer opens with gpg alone). An S3 target
/// without one is a repository, the daily copy then sending only what changed, unless this Pi already sent
/// OpenPGP files there (its ledger or its last copy says so): an upgrade never switches an existing target
/// to another format behind the owner's back, which would leave two kinds of copies with two retentions.
/// A target whose copies are not encrypted stays a plain file: restic encrypts every repository.
/// </summary>
internal static class CopyFormats
{
    public static string Of(CopyTargetOptions target, BackupPaths paths) => target.Format switch
    {
        CopyTargetOptions.OpenPgpFileFormat or CopyTargetOptions.RepositoryFormat => target.Format,
        _ when target.Kind != CopyTargetOptions.S3Kind => CopyTargetOptions.OpenPgpFileFormat,
        // Copies the owner wanted unencrypted are plain files: a repository is always encrypted.
        _ when !target.Encrypt => CopyTargetOptions.OpenPgpFileFormat,
        _ when SentFilesBefore(target.Name, paths) => CopyTargetOptions.OpenPgpFileFormat,
        _ => CopyTargetOptions.RepositoryFormat,
    };

    public static bool IsRepository(CopyTargetOptions target, BackupPaths paths) => Of(target, paths) == CopyTargetOptions.RepositoryFormat;

    private static bool SentFilesBefore(string target, BackupPaths paths) =>
        File.Exists(paths.CopyLedgerFile(target))
        || StatusFile.Read(paths.CopyStatusFile(target), BackupJsonContext.Default.CopyStatus)?.CopyFile is { } last && CopyNames.IsCopy(last);
}
