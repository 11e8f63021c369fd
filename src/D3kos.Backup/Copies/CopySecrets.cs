using System.Text;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// The secret keys of the S3 targets, one file per target in /var/lib/d3kos/copy-secrets (0600 root). That
/// folder is this Pi's state, outside every backup source: a secret never travels inside a backup, and a
/// restore never touches it. Never logged, never answered back.
/// </summary>
public sealed class CopySecrets(BackupPaths paths)
{
    public const string PiFolder = "/var/lib/d3kos/copy-secrets";

    private string FileOf(string target) => paths.Root.Resolve($"{PiFolder}/{target}");

    public bool IsSet(string target) => BackupCatalog.IsRegularFile(FileOf(target)) && new FileInfo(FileOf(target)).Length > 0;

    public void Set(string target, string secret)
    {
        if (string.IsNullOrWhiteSpace(secret) || secret.Length > 1024 || secret.Any(char.IsControl))
        {
            throw new BackupException(BackupError.InvalidInput, "The secret key must be one line of printable characters.");
        }
        var folder = paths.Root.Resolve(PiFolder);
        PiStateFolder.EnsureParentOf(folder); // only this folder is root's alone
        Directory.CreateDirectory(folder, BackupPaths.FolderMode);
        AtomicFile.Write(FileOf(target), stream => stream.Write(Encoding.UTF8.GetBytes(secret.Trim())), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public string Read(string target) => IsSet(target)
        ? File.ReadAllText(FileOf(target)).Trim()
        : throw new BackupException(BackupError.TargetUnavailable,
            $"No secret key is set for the target '{target}': run 'sudo d3kos-backup secret set {target}' (it reads the key from the terminal or standard input).");
}
