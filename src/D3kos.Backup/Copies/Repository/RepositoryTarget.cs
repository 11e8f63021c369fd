using System.Globalization;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// A target whose copies are snapshots in a restic repository (a bucket's prefix, or a drive's copies
/// folder), written by Debian's restic itself so that the owner's way back is restic on any laptop. Each
/// snapshot holds a backup unpacked: its manifest and its files, the same content as the local backup,
/// with its left-out rules and no secret. restic reads each file on its own and skips what did not
/// change, so only what changed is sent (docs/copies.md gives the measurements behind this choice). A
/// snapshot's name is "TARGET:ID".
/// </summary>
internal sealed class RepositoryTarget(CopyTargetOptions target, IRepositoryPlace place, ResticSettings restic, SnapshotContent content) : ICopyTarget
{
    /// <summary>Every snapshot of ours carries this tag: retention and the listing look at no other.</summary>
    public const string Tag = "d3kos";

    /// <summary>The folders a snapshot is brought back into, in the backups folder until it is imported.</summary>
    private const string RestoreFolderPrefix = ".restic-restore-";

    private ResticProcess? _process;

    public string Name => target.Name;

    public string Kind => target.Kind;

    public string Location => place.Location;

    public Task<SentCopy> UploadAsync(CopySource source, IReadOnlyList<string> sentEarlier, BackupProgress? progress, CancellationToken cancellationToken) => Say(CopyConsequence.Copy, async () =>
    {
        if (place.PassphraseFirst)
        {
            _ = source.Passphrase;
        }
        var process = Process();
        _ = source.Passphrase; // restic reads the file itself; this says a missing one in the copies' words
        // Each run of restic costs its key derivation (scrypt, about 0.6 s here, more on a Pi): a copy runs
        // it as few times as it can, making the repository or clearing a stale lock only when told to.
        var backup = new RepositoryBackup(process, restic.Host, source, content);
        var staged = await backup.StageAsync(progress, cancellationToken).ConfigureAwait(false);
        var summary = await WithRepositoryAsync(process, () => backup.SnapshotAsync(staged, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new SentCopy(AddressOf(summary.SnapshotId!), summary.DataAdded);
    }, cancellationToken);

    /// <summary>
    /// restic restores the snapshot into a folder on the card, which is made a backup archive again on the
    /// way to the import (<see cref="SnapshotArchive"/>). The folder is removed after, whatever happened;
    /// one left by a power cut is removed by the next import.
    /// </summary>
    public Task<T> DownloadAsync<T>(string copyName, Func<CopyDownload, CancellationToken, Task<T>> receive, BackupProgress? progress, CancellationToken cancellationToken) =>
        Say(CopyConsequence.Import, async () =>
        {
            var process = Process();
            var snapshot = (await SnapshotsAsync(process, [copyName], cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                ?? throw new ResticException(1, "Fatal: no matching ID found");
            var stats = ResticJsonContext.Parse(await process.RunAsync(["stats", "--json", "--mode", "restore-size", snapshot.Id], cancellationToken).ConfigureAwait(false),
                ResticJsonContext.Default.ResticStats);
            RemoveRestoreFolders();
            // The snapshot's files and the archive made of them sit side by side until it is checked.
            FreeSpace.Ensure(content.BackupsFolder, 2 * stats.TotalSize, content.FreeSpaceMargin, "to bring the snapshot back", "Nothing was fetched.");
            var folder = Path.Combine(content.BackupsFolder, RestoreFolderPrefix + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            try
            {
                progress?.Begin(BackupProgress.Fetching, stats.TotalSize);
                await process.RunAsync(["restore", snapshot.Id, "--target", folder], cancellationToken).ConfigureAwait(false);
                return await ArchivePipe.ReceiveAsync((output, token) => Rebuild(new SnapshotArchive(folder, content.Sources), snapshot, output, progress, token),
                    stream => receive(new CopyDownload(stream, stats.TotalSize, null), cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                InPlaceStagingSink.RemoveAny(folder);
            }
        }, cancellationToken);

    private static void Rebuild(SnapshotArchive archive, ResticSnapshot snapshot, Stream output, BackupProgress? progress, CancellationToken cancellationToken)
    {
        try
        {
            archive.Write(output, progress, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException)
        {
            throw new BackupException(BackupError.InvalidArchive,
                $"The snapshot {snapshot.ShortId ?? snapshot.Id} is not a usable d3kOS backup: {ex.Message.TrimEnd('.')}. Nothing was kept.", ex);
        }
    }

    /// <summary>
    /// Restore folders an import cut off by a power cut left. The import's lock is taken only once the archive
    /// arrives, so another import may be filling its own folder now: only those untouched for an hour go.
    /// </summary>
    private void RemoveRestoreFolders()
    {
        foreach (var stale in Directory.EnumerateDirectories(content.BackupsFolder, RestoreFolderPrefix + "*"))
        {
            if (Directory.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddHours(-1))
            {
                InPlaceStagingSink.RemoveAny(stale);
            }
        }
    }

    /// <summary>The backup's name a snapshot of ours holds ("d3kos_backup_….tar.gz"), for the import's check of its name against its manifest.</summary>
    public Task<string> BackupNameAsync(string snapshotId, CancellationToken cancellationToken) => Say(CopyConsequence.Import, async () =>
        (await SnapshotsAsync(Process(), [snapshotId], cancellationToken).ConfigureAwait(false)).FirstOrDefault() is { } snapshot
            ? FileOf(snapshot)!
            : throw new ResticException(1, "Fatal: no matching ID found"), cancellationToken);

    public Task<IReadOnlyList<TargetCopy>> ListAsync(CancellationToken cancellationToken) => Say(CopyConsequence.Look, async () =>
    {
        var process = Process();
        IReadOnlyList<TargetCopy> copies = [.. (await SnapshotsAsync(process, [], cancellationToken).ConfigureAwait(false))
            .OrderByDescending(snapshot => snapshot.Time)
            .Select(snapshot => new TargetCopy(FileOf(snapshot)!, SizeOf(snapshot), snapshot.Time, AddressOf(snapshot.ShortId ?? snapshot.Id))
            {
                SentByThisPi = snapshot.Hostname == restic.Host,
            })];
        return copies;
    }, cancellationToken);

    /// <summary>Forgets one snapshot (its data goes at the next prune).</summary>
    public Task DeleteAsync(string copyName, CancellationToken cancellationToken) => Say(CopyConsequence.Look, () =>
        Process().RunAsync(["forget", IdOf(copyName)], cancellationToken), cancellationToken);

    public Task<TargetLook> LookAsync(CancellationToken cancellationToken) => Task.FromResult(new TargetLook(null, place.Unavailable()));

    /// <summary>
    /// Retention: restic forget --keep-daily --keep-weekly over this device's snapshots alone (its host and
    /// the tag; grouped by host, as the staging folder's path is this device's own). The data only they held
    /// is pruned once a week, not after every day's copy: a prune reads and rewrites the repository's packs
    /// and indexes and a check follows it, seconds a day over the boat's link for a few MB a week. Returns
    /// the snapshots removed.
    /// </summary>
    public Task<IReadOnlyList<string>> ApplyRetentionAsync(CancellationToken cancellationToken) => Say(CopyConsequence.Look, async () =>
    {
        var process = Process();
        var pruned = PrunedFile;
        var pruneNow = !File.Exists(pruned) || File.GetLastWriteTimeUtc(pruned) < DateTime.UtcNow - PruneEvery;
        // prune writes its own lines after forget's JSON, which is the first line.
        var answer = await WithRepositoryAsync(process, () => process.RunAsync(["forget", .. (pruneNow ? ["--prune"] : Array.Empty<string>()), "--json",
            "--group-by", "host", "--host", restic.Host, "--tag", Tag,
            "--keep-daily", Invariant(target.KeepDaily), "--keep-weekly", Invariant(target.KeepWeekly)], cancellationToken), cancellationToken).ConfigureAwait(false);
        var groups = ResticJsonContext.Parse(answer.Split('\n').FirstOrDefault(line => line.StartsWith('[')) ?? "[]", ResticJsonContext.Default.ListResticForgetGroup);
        IReadOnlyList<string> removed = [.. groups.SelectMany(group => group.Remove ?? []).Select(snapshot => AddressOf(snapshot.ShortId ?? snapshot.Id))];
        if (pruneNow && removed.Count > 0)
        {
            // restic prunes only when forget removed a snapshot; the check reads what the prune rewrote.
            await process.RunAsync(["check", "--with-cache"], cancellationToken).ConfigureAwait(false);
            AtomicFile.Write(pruned, _ => { });
        }
        return removed;
    }, cancellationToken);

    /// <summary>
    /// restic check --read-data at <paramref name="bytesPerSecond"/> (restic's --limit-download): null when
    /// every pack reads back whole, or the sentence saying what restic found damaged.
    /// </summary>
    public Task<string?> CheckDataAsync(long bytesPerSecond, CancellationToken cancellationToken) => Say(CopyConsequence.Look, async () =>
    {
        try
        {
            string[] limit = bytesPerSecond > 0 ? ["--limit-download", Invariant((int)Math.Max(1, bytesPerSecond / 1024))] : [];
            await Process().RunAsync([.. limit, "check", "--read-data"], cancellationToken).ConfigureAwait(false);
            return (string?)null;
        }
        catch (ResticException damaged) when (damaged.Errors.Contains("repository contains errors", StringComparison.Ordinal))
        {
            return $"restic check found damage in the repository of '{target.Name}': {damaged.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(line => !line.StartsWith("Fatal", StringComparison.Ordinal)) ?? damaged.Fatal}. Copy again to store the damaged data anew.";
        }
    }, cancellationToken);

    /// <summary>How often the data of forgotten snapshots is pruned.</summary>
    public static readonly TimeSpan PruneEvery = TimeSpan.FromDays(7);

    /// <summary>Its time is the last prune of this target's repository (an empty file in the backups folder, root's alone).</summary>
    private string PrunedFile => Path.Combine(content.BackupsFolder, $".restic-pruned-{target.Name}");

    /// <summary>
    /// Runs <paramref name="work"/>; when restic says there is no repository yet, makes it (format 2:
    /// compressed) and runs it again; when a lock is in the way, removes the stale ones and runs it again.
    /// restic init refuses a place that has a config, so a misread answer cannot make a second repository;
    /// restic unlock removes only stale locks (this host's whose process is gone, as after a power cut or a
    /// dropped line; another's not refreshed for 30 minutes), never a running copy's.
    /// </summary>
    private async Task<T> WithRepositoryAsync<T>(ResticProcess process, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (ResticException missing) when (missing.Errors.Contains("unable to open config file", StringComparison.Ordinal)
            && !missing.Errors.Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase) && !missing.Errors.Contains("NoSuchBucket", StringComparison.Ordinal))
        {
            await process.RunAsync(["init", "--repository-version", "2"], cancellationToken).ConfigureAwait(false);
        }
        catch (ResticException locked) when (locked.Errors.Contains("unable to create lock", StringComparison.Ordinal) || locked.Errors.Contains("already locked", StringComparison.Ordinal))
        {
            await process.RunAsync(["unlock"], cancellationToken).ConfigureAwait(false);
        }
        catch (ResticException wrong) when (wrong.Errors.Contains("wrong password or no key found", StringComparison.Ordinal) && File.Exists(restic.PreviousPasswordFile))
        {
            await TakeNewPassphraseAsync(process, cancellationToken).ConfigureAwait(false);
        }
        return await work().ConfigureAwait(false);
    }

    /// <summary>
    /// The owner changed the passphrase since the last copy here: restic key add of the new one (opened with
    /// the previous), then key remove of the previous one's key, so every snapshot opens with the new one
    /// alone and the old one opens nothing. A previous passphrase that does not open it either is restic's "wrong password".
    /// </summary>
    private async Task TakeNewPassphraseAsync(ResticProcess process, CancellationToken cancellationToken)
    {
        var old = process.WithPasswordFile(restic.PreviousPasswordFile);
        var keys = ResticJsonContext.Parse(await old.RunAsync(["key", "list", "--json"], cancellationToken).ConfigureAwait(false), ResticJsonContext.Default.ListResticKey);
        await old.RunAsync(["key", "add", "--new-password-file", restic.PasswordFile], cancellationToken).ConfigureAwait(false);
        foreach (var key in keys.Where(key => key.Current))
        {
            await process.RunAsync(["key", "remove", key.Id], cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<List<ResticSnapshot>> SnapshotsAsync(ResticProcess process, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        [.. ResticJsonContext.Parse(await process.RunAsync(["snapshots", "--json", "--tag", Tag, .. ids], cancellationToken).ConfigureAwait(false),
            ResticJsonContext.Default.ListResticSnapshot).Where(snapshot => FileOf(snapshot) is not null)];

    /// <summary>The backup a snapshot of ours holds, by its tag; a snapshot without a backup's name is not ours.</summary>
    private static string? FileOf(ResticSnapshot snapshot) =>
        TagValue(snapshot, RepositoryBackup.NameTag) is { } name && BackupNames.IsBackupName(name) ? name : null;

    private static long SizeOf(ResticSnapshot snapshot) =>
        long.TryParse(TagValue(snapshot, RepositoryBackup.SizeTag), NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : 0;

    private static string? TagValue(ResticSnapshot snapshot, string prefix) =>
        snapshot.Tags?.FirstOrDefault(tag => tag.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];

    private string AddressOf(string snapshotId) => $"{target.Name}:{snapshotId[..Math.Min(8, snapshotId.Length)]}";

    private string IdOf(string copyName) => RepositoryAddress.SnapshotId(target.Name, copyName);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private ResticProcess Process() => _process ??= new ResticProcess(restic.Program, place.Open(), restic.PasswordFile, restic.CacheFolder);

    private Task<T> Say<T>(CopyConsequence consequence, Func<Task<T>> work, CancellationToken cancellationToken) =>
        CopyFailures.SayAsync(work, exception => RepositoryFailures.Explain(exception, target, consequence)
            ?? (target.Kind == CopyTargetOptions.DriveKind ? DriveFailures.Explain(exception, target, consequence) : null), cancellationToken);

    private Task<bool> Say(CopyConsequence consequence, Func<Task> work, CancellationToken cancellationToken) =>
        Say(consequence, async () =>
        {
            await work().ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public ValueTask DisposeAsync()
    {
        place.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>What every repository target of this Pi shares: the program, the passphrase's file, restic's cache, this device's host name in snapshots.</summary>
internal sealed record ResticSettings(string Program, string PasswordFile, string CacheFolder, string Host, string PreviousPasswordFile);
