using System.Text.RegularExpressions;

namespace D3kos.Backup;

/// <summary>One place copies of the backups go (configuration "Backup:Targets:N").</summary>
public sealed partial class CopyTargetOptions
{
    public const string DriveKind = "drive";

    /// <summary>How the owner names it in the CLI and the API ("usb").</summary>
    public string Name { get; set; } = "";

    /// <summary>"drive": a mounted USB stick or disk.</summary>
    public string Kind { get; set; } = DriveKind;

    /// <summary>Where the drive is mounted, as on the Pi ("/media/d3kos-usb"); copies go to its "d3kos-backups" folder.</summary>
    public string Path { get; set; } = "";

    /// <summary>Copies are OpenPGP-encrypted with the device's passphrase unless the owner turns this off for the target.</summary>
    public bool Encrypt { get; set; } = true;

    /// <summary>How many copies the target keeps (its own count, whatever the kinds).</summary>
    public int Keep { get; set; } = 10;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>What is wrong with this target's settings, for the options validator.</summary>
    internal IEnumerable<string> Problems(int index, IReadOnlyList<string> sources, string backupsFolder)
    {
        var key = $"Backup:Targets:{index}";
        if (!NamePattern().IsMatch(Name))
        {
            yield return $"{key}:Name '{BackupPaths.Printable(Name)}' must be 1-32 lower-case letters, digits or '-'";
        }
        if (Kind != DriveKind)
        {
            yield return $"{key}:Kind '{BackupPaths.Printable(Kind)}' is not a kind of target (drive)";
        }
        if (!Path.StartsWith('/') || Path.Contains("..", StringComparison.Ordinal) || Path.TrimEnd('/').Length == 0)
        {
            yield return $"{key}:Path must be an absolute path without '..', the drive's mount point";
        }
        var inside = (string folder) => (Path.TrimEnd('/') + "/").StartsWith(folder.TrimEnd('/') + "/", StringComparison.Ordinal);
        // Copies inside a source would be backed up again; inside the backups folder they would be on the card.
        if (sources.Concat([backupsFolder]).FirstOrDefault(inside) is { } holder)
        {
            yield return $"{key}:Path must not lie inside '{holder}'";
        }
        if (Keep < 1)
        {
            yield return $"{key}:Keep must be at least 1";
        }
    }
}
