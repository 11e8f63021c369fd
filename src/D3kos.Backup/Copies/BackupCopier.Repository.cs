using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>What a repository target does differently: restic's retention, and a snapshot brought back.</summary>
public sealed partial class BackupCopier
{
    /// <summary>True for what names a snapshot of a repository target (TARGET:ID), not a file or a bucket's copy.</summary>
    public static bool IsSnapshotAddress(string address) => RepositoryAddress.Looks(address);

    /// <summary>
    /// restic forget --keep-daily --keep-weekly --prune over this Pi's snapshots (<see cref="RepositoryTarget.ApplyRetentionAsync"/>).
    /// The snapshot is there and checked: retention that fails is a warning, as for the other targets.
    /// </summary>
    private async Task<IReadOnlyList<string>> ApplyRetentionAsync(RepositoryTarget repository, CancellationToken cancellationToken)
    {
        try
        {
            var removed = await repository.ApplyRetentionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var name in removed)
            {
                Log.TargetRetentionDeleted(logger, name, repository.Name);
            }
            return removed;
        }
        catch (BackupException failure)
        {
            Log.HousekeepingFailed(logger, repository.Name, failure.Message);
            return [];
        }
    }

    /// <summary>
    /// Brings a snapshot back from a repository target (TARGET:ID, as <see cref="ListCopiesAsync"/> names it):
    /// restic restores it, it is made an archive again, which is imported as any backup is (verified whole with its manifest, its name
    /// checked against the time inside it). Needs the passphrase the copies were made with, set here.
    /// </summary>
    private async Task<ImportResult> ImportSnapshotAsync(string address, BackupManager backups, BackupProgress? progress, CancellationToken cancellationToken)
    {
        var (settings, snapshotId) = RepositoryAddress.Find(Targets, paths, address);
        await using var target = (RepositoryTarget)targets.Create(settings);
        var copyName = await target.BackupNameAsync(snapshotId, cancellationToken).ConfigureAwait(false);
        paths.EnsureBackupsFolder();
        var imported = await target.DownloadAsync(snapshotId, (download, token) => backups.ImportAsync(download.Content, token, copyName: copyName),
            progress, cancellationToken).ConfigureAwait(false);
        Log.ImportedFromBucket(logger, address, imported.Backup.Filename);
        return imported;
    }
}
