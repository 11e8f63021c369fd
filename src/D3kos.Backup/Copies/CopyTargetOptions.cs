using System.Text.RegularExpressions;

namespace D3kos.Backup;

/// <summary>One place copies of the backups go (configuration "Backup:Targets:N").</summary>
public sealed partial class CopyTargetOptions
{
    public const string DriveKind = "drive";
    public const string S3Kind = "s3";

    /// <summary>Each copy one OpenPGP file (.gpg) that gpg alone opens: every copy whole, drives' default.</summary>
    public const string OpenPgpFileFormat = "openpgp-file";

    /// <summary>A restic repository: each copy a snapshot that sends only new data; new S3 targets' default.</summary>
    public const string RepositoryFormat = "repository";

    /// <summary>How the owner names it in the CLI and the API ("usb").</summary>
    public string Name { get; set; } = "";

    /// <summary>"drive": a mounted USB stick or disk; "s3": S3-compatible object storage.</summary>
    public string Kind { get; set; } = DriveKind;

    /// <summary>Where the drive is mounted, as on the Pi ("/media/d3kos-usb"); copies go to its "d3kos-backups" folder.</summary>
    public string Path { get; set; } = "";

    /// <summary>Copies are OpenPGP-encrypted with the device's passphrase unless the owner turns this off for the target.</summary>
    public bool Encrypt { get; set; } = true;

    /// <summary>How many copies the target keeps (its own count, whatever the kinds); an openpgp-file target's.</summary>
    public int Keep { get; set; } = 10;

    /// <summary>
    /// "openpgp-file" or "repository"; empty: a drive's copies are OpenPGP files, an S3 target's go to a
    /// repository unless this Pi sent OpenPGP files there before (<see cref="CopyFormats"/>).
    /// </summary>
    public string Format { get; set; } = "";

    /// <summary>repository: the newest snapshot of each of this many days is kept (restic forget --keep-daily).</summary>
    public int KeepDaily { get; set; } = 7;

    /// <summary>repository: and the newest of each of this many weeks (--keep-weekly).</summary>
    public int KeepWeekly { get; set; } = 4;

    /// <summary>s3: the service's address ("https://s3.eu-west-1.amazonaws.com", "http://nas.local:9000").</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>s3: the region the requests are signed for ("us-east-1" where the service has none).</summary>
    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = "";

    /// <summary>s3: where under the bucket this boat's copies go ("boats/aurora/"); anything else there is never touched.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>s3: the access key id; its secret is kept apart (<see cref="CopySecrets"/>).</summary>
    public string AccessKey { get; set; } = "";

    /// <summary>s3: bucket in the path (MinIO, Ceph, most servers on a NAS) rather than in the host name (AWS, B2, Wasabi).</summary>
    public bool PathStyle { get; set; }

    /// <summary>s3: the size of each part sent (5 MiB at least: the S3 minimum); a dropped connection costs at most one part.</summary>
    public int PartSizeMiB { get; set; } = 16;

    /// <summary>s3: at most this many KiB per second (0: no limit), for a marina's Wi-Fi shared with the crew.</summary>
    public int MaxKiBPerSecond { get; set; }

    /// <summary>s3: how often a copy whose line dropped waits (10 s, 30 s, 1 min, 2 min) and resumes before it gives up for this run.</summary>
    public int ResumeTries { get; set; } = 4;

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
        if (Kind is not (DriveKind or S3Kind))
        {
            yield return $"{key}:Kind '{BackupPaths.Printable(Kind)}' is not a kind of target (drive, s3)";
        }
        var problems = Kind == S3Kind ? S3Problems(key) : DriveProblems(key, sources, backupsFolder);
        foreach (var problem in problems)
        {
            yield return problem;
        }
        if (Keep < 1)
        {
            yield return $"{key}:Keep must be at least 1";
        }
        if (Format is not ("" or OpenPgpFileFormat or RepositoryFormat))
        {
            yield return $"{key}:Format '{BackupPaths.Printable(Format)}' is not a format of copies ({OpenPgpFileFormat}, {RepositoryFormat})";
        }
        if (Format == RepositoryFormat && !Encrypt)
        {
            // restic encrypts every repository: a plain one cannot be had, so the setting would lie.
            yield return $"{key}:Encrypt cannot be false for a repository (restic encrypts every repository with the passphrase)";
        }
        if (KeepDaily < 1 || KeepWeekly < 0)
        {
            yield return $"{key}:KeepDaily must be at least 1 and KeepWeekly 0 or more";
        }
    }

    private IEnumerable<string> DriveProblems(string key, IReadOnlyList<string> sources, string backupsFolder)
    {
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
    }

    private IEnumerable<string> S3Problems(string key)
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            yield return $"{key}:Endpoint must be the http:// or https:// address of the S3 service";
        }
        if (!D3kos.Common.Storage.S3Connection.IsBucketName(Bucket))
        {
            yield return $"{key}:Bucket '{BackupPaths.Printable(Bucket)}' is not a bucket name (3-63 lower-case letters, digits, '.' or '-')";
        }
        // Required: boats sharing a bucket at its top would count, and delete, each other's copies.
        if (Prefix.Length == 0 || Prefix.StartsWith('/') || Prefix.Contains("..", StringComparison.Ordinal) || !Prefix.EndsWith('/'))
        {
            yield return $"{key}:Prefix must be this boat's own folder in the bucket, relative and ending in '/', without '..' (\"boats/aurora/\")";
        }
        if (string.IsNullOrWhiteSpace(AccessKey) || string.IsNullOrWhiteSpace(Region))
        {
            yield return $"{key}:AccessKey and Region are required for an s3 target";
        }
        // A part is held in memory while it is sent: the backup API's unit has MemoryMax=256M.
        if (PartSizeMiB is < 5 or > 64)
        {
            yield return $"{key}:PartSizeMiB must be 5 to 64 (S3's smallest part is 5 MiB; a part is held in memory)";
        }
        if (ResumeTries is < 0 or > 4)
        {
            yield return $"{key}:ResumeTries must be 0 to 4";
        }
        if (MaxKiBPerSecond < 0)
        {
            yield return $"{key}:MaxKiBPerSecond must be 0 (no limit) or more";
        }
    }
}
