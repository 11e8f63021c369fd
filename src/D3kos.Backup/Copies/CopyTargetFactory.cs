using D3kos.Common.Licensing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>
/// Makes the target a configured one is, for one use (a copy, a list, a look): the only place that knows
/// which class serves which kind and format. A new kind of target is one more line here and its own implementation.
/// </summary>
public sealed class CopyTargetFactory(BackupPaths paths, CopySecrets secrets, BackupPassphrase passphrase, LicenseReader license,
    IOptions<BackupOptions> options, TimeProvider time, ILoggerFactory loggers)
{
    internal ICopyTarget Create(CopyTargetOptions target) => (target.Kind, CopyFormats.Of(target, paths)) switch
    {
        (CopyTargetOptions.DriveKind, CopyTargetOptions.RepositoryFormat) =>
            new RepositoryTarget(target, new DriveRepositoryPlace(target, paths.Root.Resolve(target.Path), paths.BackupsFolder), Restic(), SnapshotContent()),
        (CopyTargetOptions.S3Kind, CopyTargetOptions.RepositoryFormat) => new RepositoryTarget(target, new S3RepositoryPlace(target, secrets), Restic(), SnapshotContent()),
        (CopyTargetOptions.DriveKind, _) => new DriveTarget(target, paths.Root.Resolve(target.Path), paths.BackupsFolder),
        (CopyTargetOptions.S3Kind, _) => new S3Target(target, secrets, paths.OutgoingFolder(target.Name), time, loggers.CreateLogger<S3Target>()),
        _ => throw new BackupException(BackupError.InvalidInput,
            $"The copy target '{BackupPaths.Printable(target.Name)}' is of a kind this version cannot copy to ('{BackupPaths.Printable(target.Kind)}'; drive, s3)."),
    };

    /// <summary>
    /// The host name this Pi's snapshots carry: its installation id (kept by a restore onto a new Pi), so
    /// retention counts this boat's snapshots alone, whatever the Pi's host name.
    /// </summary>
    private ResticSettings Restic()
    {
        var id = license.Read().InstallationId;
        var host = "d3kos-" + (string.IsNullOrEmpty(id) ? Environment.MachineName : id);
        return new ResticSettings(options.Value.Restic, passphrase.FilePath, Path.Combine(paths.BackupsFolder, ".restic-cache"), host, passphrase.PreviousFilePath);
    }

    private SnapshotContent SnapshotContent() =>
        new(paths.RepositoryStagingFolder, paths.BackupsFolder, paths.Sources, options.Value.MaxRestoreBytes, options.Value.FreeSpaceMarginBytes);
}
