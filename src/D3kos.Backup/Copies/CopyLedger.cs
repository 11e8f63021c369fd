using Microsoft.Extensions.Logging;

namespace D3kos.Backup;

/// <summary>
/// The copies this device sent to one target: the only copies retention may delete or count. A listing
/// says what a target holds now, but whoever can write to the bucket or the stick chooses the names it
/// shows (ten planted d3kos_backup_2999… once made the next copy delete every genuine one). This ledger
/// is written by this device alone, in the root-only backups folder, next to the target's copy status.
/// Its order is the order of sending, never a name and never a clock (a Pi without a real-time clock may
/// boot with the wrong time); a copy counts as the one sent while it keeps the name and size it was sent
/// with. Only the last <see cref="MaxEntries"/> are kept: an older one is then never deleted, which is safe.
/// </summary>
internal sealed class CopyLedger
{
    public const int MaxEntries = 200;

    private readonly string _path;
    private readonly List<SentCopyRecord> _copies;

    private CopyLedger(string path, SentCopies? file)
    {
        _path = path;
        _copies = file?.Copies ?? [];
        Ready = file is not null;
    }

    /// <summary>
    /// False until the ledger was read or the target's copies from before it were adopted: an upgrade, or a
    /// file that cannot be read (adopted again by the same rule, which never takes a name from outside).
    /// </summary>
    public bool Ready { get; private set; }

    public static CopyLedger Read(BackupPaths paths, string target)
    {
        var path = paths.CopyLedgerFile(target);
        var file = StatusFile.Read(path, BackupJsonContext.Default.SentCopies);
        return new(path, file is { FormatVersion: SentCopies.CurrentFormat } ? file : null);
    }

    /// <summary>When the newest copy in the ledger was sent (this device's clock); null when none is.</summary>
    public DateTimeOffset? NewestSentAt => _copies.Count == 0 ? null : _copies.Max(copy => copy.SentAt);

    /// <summary>The names sent, newest first.</summary>
    public IReadOnlyList<string> NewestFirst => [.. Enumerable.Reverse(_copies).Select(copy => copy.Name)];

    /// <summary>True when this device sent the copy as it is listed (its name, and the size it was sent with).</summary>
    public bool Holds(TargetCopy copy) => _copies.Any(sent => sent.Name == copy.Name && sent.SizeBytes == copy.SizeBytes);

    /// <summary>
    /// Copies sent before the ledger existed: adopted only when a backup in this device's own folder, or the
    /// target's last copy status, has that name; the device chose those names. Any other copy listed (a new
    /// Pi's view of the old one's copies, or a planted object) is never deleted; the owner removes it by hand.
    /// </summary>
    public void Adopt(IReadOnlyList<TargetCopy> listed, IReadOnlySet<string> ownCopyNames)
    {
        var adopted = listed
            .Where(copy => ownCopyNames.Contains(copy.Name) && !_copies.Any(sent => sent.Name == copy.Name))
            .OrderBy(copy => BackupNames.SortKey(CopyNames.BackupName(copy.Name)))
            .Select(copy => new SentCopyRecord(copy.Name, copy.SizeBytes, null, copy.ModifiedAt ?? DateTimeOffset.UnixEpoch, Adopted: true));
        _copies.InsertRange(0, adopted);
        Ready = true;
    }

    /// <summary>A copy just sent: the newest, whatever its name (the same backup sent again moves to the end).</summary>
    public void Record(SentCopyRecord sent)
    {
        _copies.RemoveAll(copy => copy.Name == sent.Name);
        _copies.Add(sent);
        _copies.RemoveRange(0, Math.Max(0, _copies.Count - MaxEntries));
    }

    /// <summary>
    /// The sent copies beyond the newest <paramref name="keep"/>, newest first, never <paramref name="justSent"/>.
    /// A copy gone from the listing, or listed with another size (replaced by someone else), is dropped first:
    /// it neither counts toward Keep nor is deleted.
    /// </summary>
    public IReadOnlyList<string> Beyond(IReadOnlyList<TargetCopy> listed, int keep, string justSent)
    {
        // A copy listed under its name with another size is not the one sent: forgotten, never deleted. One not
        // listed at all stays recorded (the other of two sticks used in turn) but neither counts nor is deleted.
        var sizes = listed.GroupBy(copy => copy.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().SizeBytes, StringComparer.Ordinal);
        _copies.RemoveAll(sent => sizes.TryGetValue(sent.Name, out var size) && size != sent.SizeBytes);
        return [.. NewestFirst.Where(sizes.ContainsKey).Skip(keep).Where(name => name != justSent)];
    }

    public void Forget(string name) => _copies.RemoveAll(copy => copy.Name == name);

    /// <summary>Written atomically; a ledger that cannot be written is logged, and the copies it would have listed are never deleted.</summary>
    public void Write(ILogger logger) =>
        StatusFile.Write(_path, new SentCopies(SentCopies.CurrentFormat, _copies), BackupJsonContext.Default.SentCopies, logger);
}
