using System.Globalization;
using System.Text;

namespace D3kos.Backup;

/// <summary>
/// One snapshot: the local backup is unpacked into the staging folder (checked as it goes; see
/// <see cref="RepositoryStaging"/>), then <c>restic backup .</c> reads that folder. The snapshot holds the
/// backup's manifest and its files at the top of the snapshot, so a laptop's <c>restic restore</c> gives the
/// boat's paths back as they were. It is dated when the backup was made, so retention keeps days of the
/// boat, not days of copying, and tagged with the backup's name and size. restic's --json lines are read
/// as it works, for the progress and the summary.
/// </summary>
internal sealed class RepositoryBackup(ResticProcess restic, string host, CopySource source, SnapshotContent content)
{
    public const string NameTag = "d3kos-backup=";
    public const string SizeTag = "d3kos-bytes=";

    /// <summary>Unpacks the backup into the staging folder, checked; done once, before restic is first run.</summary>
    public Task<StagedBackup> StageAsync(BackupProgress? progress, CancellationToken cancellationToken) =>
        Task.Run(() => RepositoryStaging.Stage(source, content, progress, cancellationToken), cancellationToken);

    /// <summary>restic backup of the staged folder; its summary line.</summary>
    public async Task<ResticBackupLine> SnapshotAsync(StagedBackup staged, BackupProgress? progress, CancellationToken cancellationToken)
    {
        var made = BackupNames.CreatedFromName(source.FileName) ?? File.GetLastWriteTimeUtc(source.Path);
        progress?.Begin(BackupProgress.Copying, staged.TotalBytes);
        ResticBackupLine? summary = null;
        await restic.In(content.StagingFolder).RunAsync(
            ["backup", ".", "--host", host, "--tag", RepositoryTarget.Tag, "--tag", NameTag + source.FileName,
                "--tag", SizeTag + source.Length.ToString(CultureInfo.InvariantCulture),
                "--time", made.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), "--json"],
            feed: null,
            async (stdout, token) =>
            {
                using var reader = new StreamReader(stdout, Encoding.UTF8);
                string? line;
                while ((line = await reader.ReadLineAsync(token).ConfigureAwait(false)) is not null)
                {
                    if (!line.StartsWith('{'))
                    {
                        continue;
                    }
                    var parsed = ResticJsonContext.Parse(line, ResticJsonContext.Default.ResticBackupLine);
                    if (parsed.MessageType == "summary")
                    {
                        summary = parsed;
                    }
                    else if (parsed.MessageType == "status")
                    {
                        progress?.Report(parsed.BytesDone);
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
        return summary is { SnapshotId.Length: > 0 } ? summary : throw new ResticException(0, "restic saved no snapshot (its summary is missing)");
    }
}
