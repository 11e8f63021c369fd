using System.Text;
using D3kos.Common.Files;
using D3kos.Common.Hosting;
using D3kos.Common.Interop;
using D3kos.Common.Security;

namespace D3kos.Common.Storage;

/// <summary>
/// The secret key for exports delivered to S3 (Central:Url=s3://…): written by root
/// (<c>sudo d3kos-backup central-secret set</c>) into this Pi's state, 0640 root with the services' group,
/// so the export manager (user d3kos) reads it and no other user does. It is outside every backup source and
/// never archived, logged or answered back.
/// </summary>
public static class CentralSecret
{
    public const string PiFile = "/var/lib/d3kos/central-secret-key";

    /// <summary>Writes the key atomically, 0640, owned by root and <paramref name="groupId"/> (null: root's group, 0600).</summary>
    public static void Write(string path, string secret, int? groupId)
    {
        if (!IsOneLine(secret))
        {
            throw new ArgumentException("The secret key must be one line of printable characters.", nameof(secret));
        }
        PiStateFolder.EnsureParentOf(path);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | (groupId is null ? 0 : UnixFileMode.GroupRead);
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(secret.Trim())), mode);
        if (groupId is { } gid && ProcessIdentity.EffectiveUserId() == 0)
        {
            UnixFile.SetOwner(path, 0, gid);
        }
    }

    /// <summary>
    /// Reads the key, refusing a file that another user could read or write, or that someone other than root
    /// or this service owns: a key that others can read is a key that has leaked.
    /// </summary>
    public static string Read(string path, string setting)
    {
        if (!FileStat.TryLstat(path, out var stat) || !stat.IsRegularFile)
        {
            throw new ConfigurationRefusedException(
                $"Central:Url is s3:// but there is no secret key in {path} ({setting}): set it with 'sudo d3kos-backup central-secret set'.");
        }
        // Others: no access at all. The group: only this service's own may read it, and none may change it.
        var groupOpen = (stat.Mode & 0x38) != 0 && (stat.Gid != ProcessIdentity.EffectiveGroupId() || (stat.Mode & 0x18) != 0);
        if ((stat.Mode & 0x7) != 0 || groupOpen || (stat.Uid != 0 && stat.Uid != ProcessIdentity.EffectiveUserId()))
        {
            throw new ConfigurationRefusedException(
                $"The secret key file {path} is not used: other users can read or change it. Set it again with 'sudo d3kos-backup central-secret set' (0640, root and the d3kos group).");
        }
        string secret;
        try
        {
            secret = File.ReadAllText(path).Trim();
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationRefusedException(
                $"The secret key file {path} cannot be read by this service: set it again with 'sudo d3kos-backup central-secret set', which gives it the d3kos group.");
        }
        return IsOneLine(secret) ? secret
            : throw new ConfigurationRefusedException($"The secret key file {path} does not hold one line of printable characters; set it again with 'sudo d3kos-backup central-secret set'.");
    }

    private static bool IsOneLine(string secret) =>
        !string.IsNullOrWhiteSpace(secret) && secret.Length <= 1024 && !secret.Trim().Any(char.IsControl);
}
