using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>Where a target's repository is: how restic reaches it, opened at the first use (its failures are the target's).</summary>
internal interface IRepositoryPlace : IDisposable
{
    string Location { get; }

    /// <summary>A drive asks for the passphrase before it makes anything on the drive; a bucket asks for its secret key first.</summary>
    bool PassphraseFirst { get; }

    ResticRepository Open();

    /// <summary>Why the target cannot be used now, without going over the network; null when it looks usable.</summary>
    string? Unavailable();
}

/// <summary>
/// A repository under the S3 target's prefix: restic's "s3:ENDPOINT/BUCKET/PREFIX", its keys in restic's
/// environment. Only that prefix is ever read or written; the rest of the bucket is never touched.
/// </summary>
internal sealed class S3RepositoryPlace(CopyTargetOptions target, CopySecrets secrets) : IRepositoryPlace
{
    public string Location => target.Endpoint + "/" + target.Bucket + "/" + target.Prefix;

    public bool PassphraseFirst => false;

    public ResticRepository Open() => new($"s3:{target.Endpoint.TrimEnd('/')}/{target.Bucket}/{target.Prefix.TrimEnd('/')}", new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = target.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = secrets.Read(target.Name),
        ["AWS_DEFAULT_REGION"] = target.Region,
    });

    public string? Unavailable() => secrets.IsSet(target.Name) ? null : $"No secret key is set for '{target.Name}' (sudo d3kos-backup secret set {target.Name}).";

    public void Dispose()
    {
    }
}

/// <summary>
/// A repository in the drive's copies folder ("d3kos-backups/restic-repository"), after the same checks as
/// the OpenPGP copies (a really mounted drive, folders only root can change). restic is handed the folder
/// this process opened, through /proc/PID/fd, not the path again: a link swapped in on the way is not followed.
/// </summary>
internal sealed class DriveRepositoryPlace(CopyTargetOptions target, string mountPath, string cardFolder) : IRepositoryPlace
{
    public const string FolderName = "restic-repository";

    private FolderHandle? _folder;

    public string Location => Path.Combine(target.Path, DriveTarget.FolderName, FolderName);

    public bool PassphraseFirst => true;

    public ResticRepository Open()
    {
        _folder ??= DriveFolder.Open(target, mountPath, cardFolder, create: true)!;
        var repository = Path.Combine(_folder.ProcPath, FolderName);
        // A link at the repository's name would send root's writes elsewhere on the drive or off it.
        if (FileStat.TryLstat(repository, out var stat) && !stat.IsDirectory)
        {
            throw DriveFolder.Unavailable(target, $"{Location} is not a folder (a link or a file is there), so root will not write through it");
        }
        return new(repository.Replace("/proc/self/", $"/proc/{Environment.ProcessId}/", StringComparison.Ordinal), new Dictionary<string, string>());
    }

    public string? Unavailable()
    {
        try
        {
            using var folder = DriveFolder.Open(target, mountPath, cardFolder, create: false);
            return null;
        }
        catch (BackupException failure)
        {
            return failure.Message;
        }
    }

    public void Dispose() => _folder?.Dispose();
}
