using System.Text;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// The Signal K token and the SMTP password, one file each in /var/lib/d3kos/notify (0700, files 0600 root),
/// as the S3 secret keys are kept (<see cref="CopySecrets"/>): this Pi's state, outside every backup source,
/// never touched by a restore, never logged or answered back. The notifier's own state lives beside them.
/// </summary>
public sealed class NotifySecrets(BackupPaths paths)
{
    public const string PiFolder = "/var/lib/d3kos/notify";
    public const string SignalKToken = "signalk-token";
    public const string SmtpPassword = "smtp-password";

    public string Folder => paths.Root.Resolve(PiFolder);

    public string FileOf(string name) => Path.Combine(Folder, name);

    public bool IsSet(string name) => BackupCatalog.IsRegularFile(FileOf(name)) && new FileInfo(FileOf(name)).Length > 0;

    public string? Read(string name) => IsSet(name) ? File.ReadAllText(FileOf(name)).Trim() : null;

    public void Set(string name, string secret)
    {
        if (string.IsNullOrWhiteSpace(secret) || secret.Length > 4096 || secret.Any(char.IsControl))
        {
            throw new BackupException(BackupError.InvalidInput, "The secret must be one line of printable characters.");
        }
        EnsureFolder();
        AtomicFile.Write(FileOf(name), stream => stream.Write(Encoding.UTF8.GetBytes(secret.Trim())), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public void Delete(string name)
    {
        if (File.Exists(FileOf(name)))
        {
            AtomicFile.DeleteDurably(FileOf(name));
        }
    }

    /// <summary>The folder, root's alone; only it, not the folders above it.</summary>
    public void EnsureFolder()
    {
        PiStateFolder.EnsureParentOf(Folder);
        Directory.CreateDirectory(Folder, BackupPaths.FolderMode);
    }
}
