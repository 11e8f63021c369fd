using System.Text.RegularExpressions;

namespace D3kos.Backup;

/// <summary>
/// A snapshot's address, as the copies list names it: "TARGET:ID" (the target's name, restic's snapshot
/// id, 8 to 64 hex digits), for a repository target of a bucket or of a drive.
/// </summary>
internal static partial class RepositoryAddress
{
    [GeneratedRegex("^([a-z0-9][a-z0-9-]{0,31}):([0-9a-f]{8,64})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool Looks(string address) => Pattern().IsMatch(address);

    /// <summary>The configured repository target an address names, and the snapshot; refuses any other address.</summary>
    public static (CopyTargetOptions Target, string SnapshotId) Find(IEnumerable<CopyTargetOptions> targets, BackupPaths paths, string address)
    {
        var match = Pattern().Match(address);
        if (!match.Success)
        {
            throw new BackupException(BackupError.InvalidInput, $"'{BackupPaths.Printable(address)}' is not the address of a snapshot (TARGET:ID; 'd3kos-backup copies TARGET' lists them).");
        }
        var target = targets.FirstOrDefault(t => t.Name == match.Groups[1].Value && CopyFormats.IsRepository(t, paths))
            ?? throw new BackupException(BackupError.InvalidInput,
                $"No repository target named '{match.Groups[1].Value}' is configured: add it to Backup:Targets (Format repository, as on the boat that made the copies) and set its secret key.");
        return (target, match.Groups[2].Value);
    }

    /// <summary>The snapshot id of an address of <paramref name="target"/>.</summary>
    public static string SnapshotId(string target, string address) =>
        Pattern().Match(address) is { Success: true } match && match.Groups[1].Value == target
            ? match.Groups[2].Value
            : throw new BackupException(BackupError.InvalidInput, $"'{BackupPaths.Printable(address)}' is not the address of a snapshot of '{target}'.");
}
