using System.Security.Cryptography;
using D3kos.Common.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>
/// Reads back in full the newest backup on the card and the newest copy this Pi sent to each target, and
/// verifies every checksum (an encrypted copy is decrypted first), at Backup:StoredCheck:MaxKiBPerSecond so
/// the helm stays responsive. Damage is what the storedCheckDamaged condition reports; a target that cannot
/// be reached now is not damage (copyOverdue speaks of it). A copy is fetched into the backups folder and
/// removed after the check: nothing of it is kept.
/// </summary>
public sealed partial class StoredCheck(
    BackupManager backups,
    BackupPaths paths,
    IOptions<BackupOptions> options,
    CopyTargetFactory targets,
    TimeProvider time,
    ILogger<StoredCheck> logger)
{
    private StoredCheckOptions Settings => options.Value.StoredCheck;

    private long BytesPerSecond => Settings.MaxKiBPerSecond * 1024L;

    private string StatusPath => Path.Combine(paths.BackupsFolder, ".stored-check.json");

    public StoredCheckReport? LastReport() => StatusFile.Read(StatusPath, BackupJsonContext.Default.StoredCheckReport);

    public async Task<StoredCheckReport> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<StoredCheckResult> { await Task.Run(() => CheckLocal(cancellationToken), cancellationToken).ConfigureAwait(false) };
        foreach (var target in options.Value.Targets)
        {
            results.Add(await CheckCopyAsync(target, cancellationToken).ConfigureAwait(false));
        }
        var report = new StoredCheckReport(time.GetUtcNow(), results);
        paths.EnsureBackupsFolder();
        StatusFile.Write(StatusPath, report, BackupJsonContext.Default.StoredCheckReport, logger);
        foreach (var damaged in results.Where(r => r.Damaged))
        {
            Log.Damaged(logger, damaged.Where, damaged.File ?? "", damaged.Problem ?? "");
        }
        return report;
    }

    private StoredCheckResult CheckLocal(CancellationToken cancellationToken)
    {
        var newest = backups.List().FirstOrDefault(b => b.Kind != BackupCatalog.Kinds.Legacy);
        if (newest is null)
        {
            return new StoredCheckResult(StoredCheckResult.Local, null, false, "There is no backup on the card to check.");
        }
        try
        {
            var path = paths.BackupFile(newest.Filename);
            var report = ArchiveReader.Read(path, paths.Sources, options.Value.MaxRestoreBytes, cancellationToken: cancellationToken, bytesPerSecond: BytesPerSecond);
            return report.Valid
                ? new StoredCheckResult(StoredCheckResult.Local, newest.Filename, false, null)
                : new StoredCheckResult(StoredCheckResult.Local, newest.Filename, true, string.Join("; ", report.Errors.Take(3)));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Retention removed it while it was read: the next check takes the newest then.
            return new StoredCheckResult(StoredCheckResult.Local, newest.Filename, false, "It was removed by retention while it was read.");
        }
    }

    private async Task<StoredCheckResult> CheckCopyAsync(CopyTargetOptions settings, CancellationToken cancellationToken)
    {
        if (CopyFormats.Of(settings, paths) == CopyTargetOptions.RepositoryFormat)
        {
            return await CheckRepositoryAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        var ledger = CopyLedger.Read(paths, settings.Name);
        if (ledger.NewestFirst is not [var newest, ..])
        {
            return new StoredCheckResult(settings.Name, null, false, "This Pi has sent no copy there yet.");
        }
        // Another copy to this target would remove this one by its retention while it is read.
        BackupLock copyLock;
        try
        {
            copyLock = BackupLock.AcquireCopy(paths);
        }
        catch (BackupException ex) when (ex.Error == BackupError.Busy)
        {
            return new StoredCheckResult(settings.Name, newest, false, "A copy was being made; the next check reads it.");
        }
        using var _ = copyLock;
        var fetched = Path.Combine(paths.BackupsFolder, $".check-{Guid.NewGuid():N}.partial");
        var opened = fetched + "-decrypted.partial";
        try
        {
            await using var target = targets.Create(settings);
            return await target.DownloadAsync(newest, async (download, token) =>
            {
                FreeSpace.Ensure(paths.BackupsFolder, 2 * download.SizeBytes, options.Value.FreeSpaceMarginBytes, "to read the copy back", "Nothing was fetched.");
                var sha256 = await FetchAsync(download.Content, fetched, token).ConfigureAwait(false);
                if (download.Sha256 is { } sent && !sent.Equals(sha256, StringComparison.OrdinalIgnoreCase))
                {
                    return new StoredCheckResult(settings.Name, newest, true, $"Its SHA-256 is {sha256}, not the {sent} it was sent with.");
                }
                var archive = fetched;
                if (OpenPgpFile.LooksEncrypted(fetched))
                {
                    await Task.Run(() => backups.Decrypt(fetched, opened), token).ConfigureAwait(false);
                    archive = opened;
                }
                var report = await Task.Run(() => ArchiveReader.Read(archive, paths.Sources, options.Value.MaxRestoreBytes, cancellationToken: token, bytesPerSecond: BytesPerSecond), token).ConfigureAwait(false);
                return report.Valid
                    ? new StoredCheckResult(settings.Name, newest, false, null)
                    : new StoredCheckResult(settings.Name, newest, true, string.Join("; ", report.Errors.Take(3)));
            }, null, cancellationToken).ConfigureAwait(false);
        }
        catch (BackupException ex) when (ex.Error is BackupError.InvalidArchive or BackupError.WrongPassphrase)
        {
            return new StoredCheckResult(settings.Name, newest, true, ex.Message);
        }
        catch (BackupException ex)
        {
            // Not reachable, no room, no passphrase: not damage; the copy's own conditions or the next check say more.
            return new StoredCheckResult(settings.Name, newest, false, ex.Message);
        }
        finally
        {
            AtomicFile.TryDelete(fetched);
            AtomicFile.TryDelete(opened);
        }
    }

    /// <summary>
    /// A repository target: restic check --read-data, every pack read back and its every blob checked, at the
    /// same rate limit. A snapshot holds data earlier ones hold too, so all of it is what the newest needs.
    /// </summary>
    private async Task<StoredCheckResult> CheckRepositoryAsync(CopyTargetOptions settings, CancellationToken cancellationToken)
    {
        using var _ = BackupLock.AcquireCopy(paths);
        await using var target = (RepositoryTarget)targets.Create(settings);
        try
        {
            var damage = await target.CheckDataAsync(BytesPerSecond, cancellationToken).ConfigureAwait(false);
            return new StoredCheckResult(settings.Name, "its restic repository", damage is not null, damage);
        }
        catch (BackupException ex)
        {
            // Not reachable, no passphrase, no repository yet: not damage; the copy's own conditions say more.
            return new StoredCheckResult(settings.Name, null, false, ex.Message);
        }
    }

    private async Task<string> FetchAsync(Stream content, string path, CancellationToken cancellationToken)
    {
        await using var output = BackupPaths.CreateArchive(path, FileAccess.Write, useAsync: true);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var throttled = new ThrottledStream(content, BytesPerSecond);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await throttled.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 360, Level = LogLevel.Error, Message = "The check of what is stored found {Where}'s {File} damaged: {Problem}")]
        public static partial void Damaged(ILogger logger, string where, string file, string problem);
    }
}
