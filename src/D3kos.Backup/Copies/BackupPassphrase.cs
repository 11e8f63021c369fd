using System.Text;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// The passphrase that encrypts every copy leaving the Pi. It lives in one device-local file, root's alone
/// (0600): never inside a backup (<see cref="SourceScanner"/> leaves it out), kept as it is by a restore
/// (<see cref="DeviceLocalFiles"/>), never logged or answered back. It is kept in plain text because the
/// scheduler must encrypt at 03:30 with nobody at the helm; what protects it is the file's mode and the
/// card never leaving the boat, while the copies that do leave are encrypted with it.
/// </summary>
public sealed class BackupPassphrase(BackupPaths paths)
{
    /// <summary>Where it is stored, as on the Pi.</summary>
    public const string PiPath = "/opt/d3kos/config/backup-passphrase";

    public const int MinimumLength = 12;
    public const int MaximumLength = 1024;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// The passphrase this one replaced, for each repository target's next copy to take the new one (restic
    /// key add, then key remove of the old key): in the copy secrets' folder, this Pi's state outside every
    /// backup, 0600, until the next change replaces it (a target not copied to in between is opened with the
    /// old one by hand). OpenPGP files made with the old one still need the old one.
    /// </summary>
    internal string PreviousFilePath => paths.Root.Resolve($"{CopySecrets.PiFolder}/.previous-backup-passphrase");

    /// <summary>The file itself: restic reads it (RESTIC_PASSWORD_FILE), so the passphrase never passes through another process's arguments or environment.</summary>
    internal string FilePath => paths.Root.Resolve(PiPath);

    public bool IsSet => BackupCatalog.IsRegularFile(FilePath) && new FileInfo(FilePath).Length > 0;

    /// <summary>
    /// Checks and stores a new passphrase (atomic, flushed, 0600). Copies made with the old one still need
    /// the old one. Under the backup lock: a restore swapping /opt/d3kos/config would otherwise take it away.
    /// </summary>
    public void Set(string passphrase)
    {
        if (Problem(passphrase) is { } problem)
        {
            throw new BackupException(BackupError.InvalidInput, problem);
        }
        using var _ = BackupLock.Acquire(paths);
        if (File.Exists(paths.JournalFile))
        {
            // Finishing that restore would swap in the staged config, and the passphrase written now with the old one.
            throw new BackupException(BackupError.Busy, "A restore was cut off and is not finished yet: run 'd3kos-backup list' (or start the backup API) to finish it, then set the passphrase.");
        }
        if (IsSet && File.ReadAllText(FilePath) is var current && current != passphrase)
        {
            var folder = Path.GetDirectoryName(PreviousFilePath)!;
            PiStateFolder.EnsureParentOf(folder);
            Directory.CreateDirectory(folder, BackupPaths.FolderMode);
            // Only the newest old one: a repository that missed two changes is opened with the older by hand.
            AtomicFile.Write(PreviousFilePath, stream => stream.Write(Encoding.UTF8.GetBytes(current)), OwnerOnly);
        }
        AtomicFile.Write(FilePath, stream => stream.Write(Encoding.UTF8.GetBytes(passphrase)), OwnerOnly);
    }

    /// <summary>Why a passphrase cannot be used, or null.</summary>
    public static string? Problem(string? passphrase) => passphrase switch
    {
        null or { Length: < MinimumLength } => $"The passphrase must have at least {MinimumLength} characters; a few random words are easy to keep and hard to guess.",
        { Length: > MaximumLength } => $"The passphrase must have at most {MaximumLength} characters.",
        _ when passphrase.Any(char.IsControl) => "The passphrase must not contain line breaks or other control characters.",
        // restic trims what it reads from the passphrase file: typed on a laptop with them, it would not open the repository.
        _ when passphrase.Trim() != passphrase => "The passphrase must not begin or end with a space.",
        _ => null,
    };

    /// <summary>The stored passphrase, for one encryption or decryption; the caller clears the array after use.</summary>
    public char[] Read()
    {
        if (!IsSet)
        {
            throw new BackupException(BackupError.PassphraseNeeded,
                "No backup passphrase is set on this device: set one with 'd3kos-backup key set' (on a new Pi: the one the copies were made with).");
        }
        var bytes = File.ReadAllBytes(FilePath);
        try
        {
            return Encoding.UTF8.GetChars(bytes);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }
}
