using D3kos.Common.Files;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>The backups folder and the sources, resolved under the file-system root.</summary>
public sealed class BackupPaths(D3kosRoot root, IOptions<BackupOptions> options)
{
    public D3kosRoot Root { get; } = root;

    public string BackupsFolder { get; } = root.Resolve(options.Value.BackupsFolder);

    /// <summary>What a backup never holds, as real paths: the backups folder itself and the device's secrets.</summary>
    public IReadOnlySet<string> NeverArchived { get; } =
        new HashSet<string>([root.Resolve(options.Value.BackupsFolder), .. DeviceLocalFiles.NeverArchived.Select(root.Resolve)], StringComparer.Ordinal);

    public string LockFile => Path.Combine(BackupsFolder, ".d3kos-backup.lock");

    public string ImportLockFile => Path.Combine(BackupsFolder, ".d3kos-import.lock");

    public string CopyLockFile => Path.Combine(BackupsFolder, ".d3kos-copy.lock");

    /// <summary>The automatic runs' status: last run, next run.</summary>
    public string ScheduleStatusFile => Path.Combine(BackupsFolder, ".schedule-status.json");

    /// <summary>One target's last copy; one file per target, written under the copy lock.</summary>
    public string CopyStatusFile(string target) => Path.Combine(BackupsFolder, $".copy-status-{target}.json");

    /// <summary>The copies this device sent to one target, the only ones its retention deletes (<see cref="CopyLedger"/>).</summary>
    public string CopyLedgerFile(string target) => Path.Combine(BackupsFolder, $".copy-ledger-{target}.json");

    /// <summary>What waits to be sent to an S3 target (the encrypted copy, the upload's id), kept across a cut-off run.</summary>
    public string OutgoingFolder(string target) => Path.Combine(BackupsFolder, ".outgoing", target);

    /// <summary>The last backup copied to a repository target, unpacked: what restic reads (root's alone; see RepositoryStaging).</summary>
    public string RepositoryStagingFolder => Path.Combine(BackupsFolder, ".restic-staging");

    public string JournalFile => Path.Combine(BackupsFolder, ".restore-journal.json");

    /// <summary>What the last start did with a cut-off restore (<see cref="RestoreRecovery"/>).</summary>
    public string RestoreRecoveryFile => Path.Combine(BackupsFolder, ".restore-recovered.json");

    /// <summary>Backups hold the owner's API keys and credentials: the folder is root's alone, archives owner-only.</summary>
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode ArchiveMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the backups folder 0700 when it is missing (whatever the umask); an existing one keeps the mode its owner chose.</summary>
    public void EnsureBackupsFolder()
    {
        if (!Directory.Exists(BackupsFolder))
        {
            ExactMode.CreateFolder(BackupsFolder, FolderMode);
        }
    }

    /// <summary>A new archive file, owner-only from its first byte.</summary>
    public static FileStream CreateArchive(string path, FileAccess access, bool useAsync = false) =>
        ExactMode.CreateFile(path, ArchiveMode, access, 1 << 16, useAsync);

    /// <summary>The full path of a backup by name, after the name has been checked against the backup patterns.</summary>
    public string BackupFile(string name)
    {
        if (!BackupNames.IsBackupName(name))
        {
            throw new BackupException(BackupError.InvalidName, $"'{Printable(name)}' is not a backup file name (d3kos_backup_YYYYMMDD_HHMMSS.tar.gz).");
        }
        return Path.Combine(BackupsFolder, name);
    }

    /// <summary>The sources as archive member paths ("opt/d3kos/config"), with whether each is a folder.</summary>
    public IReadOnlyList<BackupSource> Sources { get; } =
        [.. options.Value.EffectiveSources.Select(s => new BackupSource(s.TrimEnd('/'), s.Trim('/'), s.EndsWith('/'), root.Resolve(s.TrimEnd('/'))))];

    internal static string Printable(string text) =>
        new(text.Take(100).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

/// <param name="PiPath">As on the Pi, without a trailing slash ("/opt/d3kos/config").</param>
/// <param name="Member">As an archive member ("opt/d3kos/config").</param>
/// <param name="IsFolder">A folder source; otherwise a single file.</param>
/// <param name="RealPath">Where it is under the root.</param>
public sealed record BackupSource(string PiPath, string Member, bool IsFolder, string RealPath)
{
    /// <summary>True when the member path is this source or lies inside it.</summary>
    public bool Contains(string member) =>
        member == Member || (IsFolder && member.StartsWith(Member + "/", StringComparison.Ordinal));
}
