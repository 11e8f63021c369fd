using System.Diagnostics;
using D3kos.Common.Licensing;
using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>
/// A restore in the order that cannot break the boat: verify everything, unpack beside the live
/// folders, take a safety backup, stop the services, swap by renames (journalled), start the
/// services again whatever happened. Any failure after the swap began rolls back.
/// </summary>
internal sealed partial class RestoreEngine(BackupPaths paths, BackupOptions options, ServiceController services, ILogger logger)
{
    public RestoreResult Restore(string archive, bool replaceInstallationId, Func<string> takeSafetyBackup)
    {
        var clock = Stopwatch.StartNew();
        var report = ArchiveReader.Read(archive, paths.Sources, options.MaxRestoreBytes);
        if (!report.Valid)
        {
            throw new BackupException(report.Failure,
                $"Restore refused, nothing was changed: {string.Join("; ", report.Errors.Take(3))}");
        }
        var manifest = report.Manifest!;
        var sources = paths.Sources.Where(s => manifest.SourcesFound.Contains(s.PiPath)).ToList();
        EnsureFreeSpace(sources, manifest.Files.Sum(f => f.Size));

        var safety = takeSafetyBackup();
        var restoreId = Guid.NewGuid().ToString("N")[..12];
        var swaps = sources.Select(s => SourceSwap.Plan(s, restoreId)).ToList();
        var journal = new RestoreJournal { BackupFile = Path.GetFileName(archive), Phase = RestoreJournalFile.Staging, Swaps = swaps };
        RestoreJournalFile.Write(paths, journal);

        var (filesWritten, idKept) = Stage(archive, sources, swaps, replaceInstallationId);

        var warnings = new List<string>(services.Run("stop", options.EffectiveServices));
        try
        {
            RestoreJournalFile.Write(paths, journal with { Phase = RestoreJournalFile.Swapping });
            foreach (var swap in swaps)
            {
                SourceSwap.Apply(swap);
            }
            PosixFiles.SyncAll();
            RestoreJournalFile.Write(paths, journal with { Phase = RestoreJournalFile.Swapped });
        }
        catch (Exception ex)
        {
            Log.RollingBack(logger, ex);
            RollBack(swaps);
            throw new BackupException(BackupError.RestoreFailed,
                $"The restore failed while the folders were being swapped ({ex.Message}); everything was put back as it was. Safety backup: {safety}.", ex);
        }
        finally
        {
            warnings.AddRange(services.Run("start", options.EffectiveServices));
        }

        CleanUp(swaps);
        Log.Restored(logger, journal.BackupFile, filesWritten, safety);
        return new RestoreResult(journal.BackupFile, safety, filesWritten, [.. sources.Select(s => s.PiPath)], idKept, warnings, clock.ElapsedMilliseconds);
    }

    /// <summary>Called at start when a journal is left: the live folders end all old or all new.</summary>
    public void Recover()
    {
        var journal = RestoreJournalFile.Read(paths);
        if (journal is null)
        {
            RestoreJournalFile.Delete(paths);
            return;
        }
        Log.Recovering(logger, journal.BackupFile, journal.Phase);
        switch (journal.Phase)
        {
            case RestoreJournalFile.Swapped:
                CleanUp(journal.Swaps);
                break;
            case RestoreJournalFile.Swapping:
                RollBack(journal.Swaps);
                break;
            default:
                journal.Swaps.ForEach(SourceSwap.RemoveWorkFolder);
                RestoreJournalFile.Delete(paths);
                break;
        }
        // The interrupted restore may have stopped them.
        services.Run("start", options.EffectiveServices);
    }

    private (int Files, bool IdKept) Stage(string archive, List<BackupSource> sources, List<RestoreSwap> swaps, bool replaceInstallationId)
    {
        try
        {
            var staged = sources.Zip(swaps).ToDictionary(p => p.First.Member, p => p.Second.Staged, StringComparer.Ordinal);
            foreach (var swap in swaps)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(swap.Staged)!);
            }
            var sink = new StagingSink(staged);
            var second = ArchiveReader.Read(archive, sources, options.MaxRestoreBytes, sink);
            if (!second.Valid)
            {
                throw new BackupException(second.Failure, $"Restore stopped, nothing live was changed: {string.Join("; ", second.Errors.Take(3))}");
            }
            sink.FinishFolders();
            var idKept = false;
            var licenseSource = sources.FirstOrDefault(s => s.Contains(InstallationIdentity.LicenseMember));
            if (!replaceInstallationId && licenseSource is not null)
            {
                idKept = InstallationIdentity.KeepCurrent(
                    paths.Root.Resolve(LicenseReader.PiPath), sink.Target(InstallationIdentity.LicenseMember, licenseSource));
            }
            PosixFiles.SyncAll();
            return (sink.FilesWritten, idKept);
        }
        catch (Exception ex)
        {
            swaps.ForEach(SourceSwap.RemoveWorkFolder);
            RestoreJournalFile.Delete(paths);
            if (ex is BackupException)
            {
                throw;
            }
            throw new BackupException(BackupError.RestoreFailed, $"The restore failed while unpacking ({ex.Message}); nothing live was changed.", ex);
        }
    }

    private void RollBack(IEnumerable<RestoreSwap> swaps)
    {
        foreach (var swap in swaps.Reverse())
        {
            SourceSwap.Undo(swap);
        }
        PosixFiles.SyncAll();
        RestoreJournalFile.Delete(paths);
    }

    private void CleanUp(IEnumerable<RestoreSwap> swaps)
    {
        foreach (var swap in swaps)
        {
            SourceSwap.RemoveWorkFolder(swap);
        }
        RestoreJournalFile.Delete(paths);
    }

    private void EnsureFreeSpace(List<BackupSource> sources, long bytes)
    {
        foreach (var parent in sources.Select(s => Path.GetDirectoryName(s.RealPath)!).Distinct())
        {
            var existing = parent;
            while (!Directory.Exists(existing))
            {
                existing = Path.GetDirectoryName(existing)!;
            }
            var free = new DriveInfo(existing).AvailableFreeSpace;
            if (free < bytes + options.FreeSpaceMarginBytes)
            {
                throw new BackupException(BackupError.DiskFull,
                    $"Not enough free space to unpack the backup next to {parent}: about {BackupManager.Megabytes(bytes)} MB needed, {BackupManager.Megabytes(free)} MB free. Nothing was changed.");
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Restored {File}: {Files} files; safety backup {Safety}")]
        public static partial void Restored(ILogger logger, string file, int files, string safety);

        [LoggerMessage(EventId = 311, Level = LogLevel.Error, Message = "Restore failed during the swap; rolling back")]
        public static partial void RollingBack(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "Found an interrupted restore of {File} in phase {Phase}; recovering")]
        public static partial void Recovering(ILogger logger, string file, string phase);
    }
}
