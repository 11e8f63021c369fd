using System.Diagnostics;
using D3kos.Common.Interop;
using D3kos.Common.Licensing;
using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>
/// A restore in the order that cannot break the boat: unpack beside the live folders while checking
/// every entry and checksum; only then stop the services, swap by renames (journalled) and start the
/// services again whatever happened. The old folders stay aside, journalled as "keeping", until their
/// safety backup is durable (<see cref="BackupManager"/> writes it after the owner has the boat back).
/// A bad archive stops the unpacking with nothing live touched; a failure during the swap rolls back.
/// </summary>
internal sealed partial class RestoreEngine(BackupPaths paths, BackupOptions options, ServiceController services, ILogger logger)
{
    /// <param name="safetyName">Names the safety backup that will keep the old state (it is written later, from the aside folders).</param>
    /// <param name="cancellationToken">Honoured while staging only: once the services are stopped the swap runs to its end.</param>
    public SwappedRestore Restore(string archive, bool replaceInstallationId, bool acceptNoChecksums, BackupProgress? progress,
        Func<string> safetyName, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (sourcesFound, totalBytes) = Survey(archive, acceptNoChecksums);
        var sources = paths.Sources.Where(s => sourcesFound.Contains(s.PiPath)).ToList();
        foreach (var parent in sources.Select(s => Path.GetDirectoryName(s.RealPath)!).Distinct(StringComparer.Ordinal))
        {
            FreeSpace.Ensure(ExistingFolder(parent), totalBytes, options.FreeSpaceMarginBytes, $"to unpack the backup next to {parent}", "Nothing was changed.");
        }

        var restoreId = Guid.NewGuid().ToString("N")[..12];
        var swaps = sources.Select(s => SourceSwap.Plan(s, restoreId)).ToList();
        var journal = new RestoreJournal { BackupFile = Path.GetFileName(archive), Phase = RestorePhase.Staging, Swaps = swaps };
        RestoreJournalFile.Write(paths, journal);

        // What the old state's safety backup will need is counted beside the unpacking (a walk of system
        // calls on one core while the other inflates) and checked once the staging has taken its room.
        var replaced = SourceScanner.Find(sources, paths.NeverArchived);
        using var stopCounting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var counting = Task.Run(() => SourceScanner.Count(replaced, stopCounting.Token), stopCounting.Token);
        (int Files, bool IdKept) staged;
        try
        {
            staged = Stage(archive, sources, swaps, replaceInstallationId, progress, cancellationToken);
        }
        catch
        {
            stopCounting.Cancel();
            throw;
        }
        try
        {
            var oldState = counting.GetAwaiter().GetResult();
            FreeSpace.Ensure(paths.BackupsFolder, oldState.SpaceNeeded, options.FreeSpaceMarginBytes,
                "for the safety backup of the present state beside the restored files", "Nothing was changed.");
        }
        catch
        {
            swaps.ForEach(SourceSwap.RemoveWorkFolder);
            RestoreJournalFile.Delete(paths);
            throw;
        }
        progress?.Begin(BackupProgress.SwitchingOver, 0);

        var down = Stopwatch.StartNew();
        RestoreSwapMarker.Set(paths);
        var warnings = new List<string>(services.Run("stop", options.EffectiveServices));
        try
        {
            RestoreJournalFile.Write(paths, journal with { Phase = RestorePhase.Swapping });
            foreach (var swap in swaps)
            {
                SourceSwap.Apply(swap);
            }
            FlushFileSystems(swaps);
            journal = journal with { Phase = RestorePhase.Keeping, SafetyBackup = safetyName() };
            RestoreJournalFile.Write(paths, journal);
        }
        catch (Exception ex)
        {
            Log.RollingBack(logger, ex);
            RollBack(swaps); // throws, naming what it could not put back, when it could not
            throw new BackupException(BackupError.RestoreFailed,
                $"The restore failed while the folders were being swapped ({ex.Message}); everything was put back as it was.", ex);
        }
        finally
        {
            RestoreSwapMarker.Clear(paths);
            warnings.AddRange(services.Run("start", options.EffectiveServices));
            down.Stop();
        }
        Log.Restored(logger, journal.BackupFile, staged.Files, down.ElapsedMilliseconds);
        return new SwappedRestore(journal, staged.Files, [.. sources.Select(s => s.PiPath)], staged.IdKept, warnings,
            clock.ElapsedMilliseconds, down.ElapsedMilliseconds);
    }

    /// <summary>
    /// What the restore will unpack. For a d3kOS backup only the manifest is read up front; every entry
    /// and checksum is checked as it is unpacked into staging. A legacy backup (no manifest) is read
    /// once whole first, under the same entry policy, to learn its sources and size and to refuse a
    /// hostile or damaged one before anything is staged; then the owner must have accepted that it
    /// carries no per-file checksums.
    /// </summary>
    private (IReadOnlyList<string> Sources, long Bytes) Survey(string archive, bool acceptNoChecksums)
    {
        if (ArchiveReader.ReadManifestOnly(archive) is { } manifest)
        {
            return (manifest.Header.SourcesFound, manifest.TotalBytes);
        }
        var report = ArchiveReader.Read(archive, paths.Sources, options.MaxRestoreBytes);
        if (!report.Legacy)
        {
            throw new BackupException(BackupError.InvalidArchive,
                $"Restore refused, nothing was changed: {Path.GetFileName(archive)} has no readable d3kOS manifest as its first member.");
        }
        if (!report.Valid)
        {
            throw new BackupException(report.Failure, $"Restore refused, nothing was changed: {string.Join("; ", report.Errors.Take(3))}.");
        }
        if (!acceptNoChecksums)
        {
            throw new BackupException(BackupError.ConfirmationNeeded,
                $"{Path.GetFileName(archive)} is a legacy backup from d3kOS v0.9.1.2 without per-file checksums: damage inside a file cannot be detected. Confirm a restore without per-file checksums to go ahead; nothing was changed.");
        }
        return (report.SourcesFound, report.TotalBytes);
    }

    /// <summary>
    /// Called at start when a journal is left: the live folders end all old or all new. A restore that had
    /// swapped but not yet kept the old state is returned, for its safety backup to be written from the
    /// aside folders (the new files stay live: the owner asked for them, and the boat may have written since).
    /// </summary>
    public RestoreJournal? Recover()
    {
        // A restore cut off while the services were stopped: they are started by the recovery below, or by hand.
        RestoreSwapMarker.Clear(paths);
        var journal = RestoreJournalFile.Read(paths);
        if (journal is null)
        {
            RestoreJournalFile.Delete(paths);
            return null;
        }
        Log.Recovering(logger, journal.BackupFile, journal.Phase);
        try
        {
            switch (journal.Phase)
            {
                case RestorePhase.Keeping:
                    return journal;
                case RestorePhase.Swapped:
                    CleanUp(journal.Swaps);
                    break;
                case RestorePhase.Swapping:
                    RollBack(journal.Swaps);
                    break;
                default:
                    journal.Swaps.ForEach(SourceSwap.RemoveWorkFolder);
                    RestoreJournalFile.Delete(paths);
                    break;
            }
            return null;
        }
        finally
        {
            // The interrupted restore may have stopped them; they start again even when recovery fails.
            services.Run("start", options.EffectiveServices);
        }
    }

    private (int Files, bool IdKept) Stage(string archive, List<BackupSource> sources, List<RestoreSwap> swaps, bool replaceInstallationId,
        BackupProgress? progress, CancellationToken cancellationToken)
    {
        try
        {
            var staged = sources.Zip(swaps).ToDictionary(p => p.First.Member, p => p.Second.Staged, StringComparer.Ordinal);
            swaps.ForEach(SourceSwap.CreateWorkFolder);
            using var sink = new StagingSink(staged);
            var report = ArchiveReader.Read(archive, sources, options.MaxRestoreBytes, sink, progress, BackupProgress.Restoring, cancellationToken: cancellationToken);
            if (!report.Valid)
            {
                throw new BackupException(report.Failure, $"Restore refused, nothing was changed: {string.Join("; ", report.Errors.Take(3))}");
            }
            sink.FinishFolders();
            var idKept = false;
            var licenseSource = sources.FirstOrDefault(s => s.Contains(InstallationIdentity.LicenseMember));
            if (!replaceInstallationId && licenseSource is not null)
            {
                idKept = InstallationIdentity.KeepCurrent(
                    paths.Root.Resolve(LicenseReader.PiPath), sink.Target(InstallationIdentity.LicenseMember, licenseSource));
            }
            DeviceLocalFiles.KeepLive(paths, sources, sink.Target);
            FlushFileSystems(swaps);
            return (sink.FilesWritten, idKept);
        }
        catch (Exception ex)
        {
            swaps.ForEach(SourceSwap.RemoveWorkFolder);
            RestoreJournalFile.Delete(paths);
            if (ex is BackupException or OperationCanceledException)
            {
                throw;
            }
            throw ex is InvalidDataException or EndOfStreamException or FormatException
                ? new BackupException(BackupError.InvalidArchive, $"Restore refused, nothing was changed: the archive is truncated or corrupt ({ex.Message}).", ex)
                : new BackupException(BackupError.RestoreFailed, $"The restore failed while unpacking ({ex.Message}); nothing was changed.", ex);
        }
    }

    /// <summary>
    /// Puts every source back, going on past one that fails (another user may keep re-creating a live
    /// name), so as many as possible are old again. When one could not be put back the journal stays,
    /// the next start of the API or the CLI tries again, and the failure names each source.
    /// </summary>
    private void RollBack(IEnumerable<RestoreSwap> swaps)
    {
        var failures = new List<string>();
        foreach (var swap in swaps.Reverse())
        {
            try
            {
                SourceSwap.Undo(swap);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures.Add($"{swap.Live}: {ex.Message}");
            }
        }
        FlushFileSystems(swaps);
        if (failures.Count > 0)
        {
            throw new BackupException(BackupError.RestoreFailed,
                $"The restore could not put everything back ({string.Join("; ", failures)}); the next start tries again, the old copies are kept in the restore's work folders.");
        }
        RestoreJournalFile.Delete(paths);
    }

    /// <summary>
    /// Makes what was written or renamed beside each source durable with one syncfs(2) per place, not an
    /// fsync per file (a Signal K tree has tens of thousands). The staging and the renames are on the
    /// sources' own file systems, and the journal moves to its next phase only after this returns: a power
    /// cut before then leaves the journal at the earlier phase, whose recovery (remove the staging, or undo
    /// the renames) does not rely on anything unflushed.
    /// </summary>
    private static void FlushFileSystems(IEnumerable<RestoreSwap> swaps)
    {
        foreach (var folder in swaps.Select(s => ExistingFolder(Path.GetDirectoryName(s.Live)!)).Distinct(StringComparer.Ordinal))
        {
            UnixFile.FlushFileSystemOf(folder);
        }
    }

    /// <summary>The folder itself, or the nearest one above it that exists (a live folder's parent may not exist yet).</summary>
    private static string ExistingFolder(string folder)
    {
        while (!Directory.Exists(folder))
        {
            folder = Path.GetDirectoryName(folder)!;
        }
        return folder;
    }

    /// <summary>Removes the work folders, with the old copies in them, and then the journal.</summary>
    public void CleanUp(IEnumerable<RestoreSwap> swaps)
    {
        foreach (var swap in swaps)
        {
            SourceSwap.RemoveWorkFolder(swap);
        }
        RestoreJournalFile.Delete(paths);
    }
}
