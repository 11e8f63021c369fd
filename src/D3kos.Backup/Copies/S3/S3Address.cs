namespace D3kos.Backup;

/// <summary>
/// An address in a bucket (s3://BUCKET/PREFIX/NAME, as the copies list names them) and the configured S3
/// target it lies in: the target holds the credentials to fetch it.
/// </summary>
internal static class S3Address
{
    private const string Scheme = "s3://";

    /// <summary>The configured S3 target an address lies in, and the copy's name under its prefix; refuses any other address.</summary>
    public static (CopyTargetOptions Target, string CopyName) Find(IEnumerable<CopyTargetOptions> targets, string address)
    {
        var slash = address.StartsWith(Scheme, StringComparison.Ordinal) ? address.IndexOf('/', Scheme.Length) : -1;
        if (slash < 0)
        {
            throw new BackupException(BackupError.InvalidInput, $"'{BackupPaths.Printable(address)}' is not an address in a bucket (s3://BUCKET/PREFIX/NAME; 'd3kos-backup copies TARGET' lists them).");
        }
        var (bucketName, key) = (address[Scheme.Length..slash], address[(slash + 1)..]);
        var target = targets.FirstOrDefault(t => t.Kind == CopyTargetOptions.S3Kind && t.Bucket == bucketName && key.StartsWith(t.Prefix, StringComparison.Ordinal)
            && !key[t.Prefix.Length..].Contains('/', StringComparison.Ordinal))
            ?? throw new BackupException(BackupError.InvalidInput,
                $"No S3 target is configured for s3://{BackupPaths.Printable(bucketName)}/{BackupPaths.Printable(key[..(key.LastIndexOf('/') + 1)])}: add it to Backup:Targets (Kind s3, with its Endpoint, Bucket, Prefix and AccessKey) and set its secret key, as on the boat that made the copy.");
        var copyName = key[target.Prefix.Length..];
        return BackupNames.IsBackupName(CopyNames.BackupName(copyName))
            ? (target, copyName)
            : throw new BackupException(BackupError.InvalidInput, $"'{BackupPaths.Printable(copyName)}' is not the name of a copy of a backup.");
    }
}
