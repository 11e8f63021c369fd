using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>
/// Makes the target a configured one is, for one use (a copy, a list, a look): the only place that knows
/// which class serves which kind. A new kind of target is one more line here and its own implementation.
/// </summary>
public sealed class CopyTargetFactory(BackupPaths paths, CopySecrets secrets, TimeProvider time, ILoggerFactory loggers)
{
    internal ICopyTarget Create(CopyTargetOptions target) => target.Kind switch
    {
        CopyTargetOptions.DriveKind => new DriveTarget(target, paths.Root.Resolve(target.Path), paths.BackupsFolder),
        CopyTargetOptions.S3Kind => new S3Target(target, secrets, paths.OutgoingFolder(target.Name), time, loggers.CreateLogger<S3Target>()),
        _ => throw new BackupException(BackupError.InvalidInput,
            $"The copy target '{BackupPaths.Printable(target.Name)}' is of a kind this version cannot copy to ('{BackupPaths.Printable(target.Kind)}'; drive, s3)."),
    };
}
