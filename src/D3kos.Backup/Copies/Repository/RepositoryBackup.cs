using System.Globalization;
using System.IO.Compression;
using System.Text;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// One <c>restic backup --stdin</c>: the local backup's tar (its gzip undone as it is read) is handed to
/// restic's standard input, the backup checked against its checksum on the way; a backup that no longer
/// matches is refused before restic may save it. The snapshot is dated when the backup was made, so
/// retention keeps days of the boat, not days of copying. restic's --json lines are read as it works.
/// </summary>
internal sealed class RepositoryBackup(ResticProcess restic, string host, CopySource source, string sizeTag)
{
    private const int BufferSize = 1 << 16;

    public async Task<ResticBackupLine> RunAsync(BackupProgress? progress, CancellationToken cancellationToken)
    {
        var made = BackupNames.CreatedFromName(source.FileName) ?? File.GetLastWriteTimeUtc(source.Path);
        ResticBackupLine? summary = null;
        await restic.RunAsync(
            ["backup", "--stdin", "--stdin-filename", TarName(source.FileName), "--host", host, "--tag", RepositoryTarget.Tag,
                "--tag", sizeTag + source.Length.ToString(CultureInfo.InvariantCulture),
                "--time", made.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), "--json"],
            (stdin, token) => FeedAsync(stdin, progress, token),
            async (stdout, token) =>
            {
                using var reader = new StreamReader(stdout, Encoding.UTF8);
                string? line;
                while ((line = await reader.ReadLineAsync(token).ConfigureAwait(false)) is not null)
                {
                    if (line.StartsWith('{') && ResticJsonContext.Parse(line, ResticJsonContext.Default.ResticBackupLine) is { MessageType: "summary" } last)
                    {
                        summary = last;
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
        return summary is { SnapshotId.Length: > 0 } ? summary : throw new ResticException(0, "restic saved no snapshot (its summary is missing)");
    }

    /// <summary>The name the snapshot's one file has: the backup's, without the ".gz" that is undone.</summary>
    public static string TarName(string backupName) => backupName.EndsWith(".gz", StringComparison.Ordinal) ? backupName[..^3] : backupName;

    private async Task FeedAsync(Stream stdin, BackupProgress? progress, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(source.Path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        }
        catch (FileNotFoundException missing)
        {
            throw new BackupException(BackupError.NotFound,
                $"The backup {source.FileName} was removed (by retention or by hand) before it was copied; nothing was copied.", missing);
        }
        await using var hashing = new HashingStream(file);
        try
        {
            await using (var tar = new GZipStream(hashing, CompressionMode.Decompress, leaveOpen: true))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await tar.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await stdin.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    progress?.Report(file.Position);
                }
            }
            await hashing.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false); // the checksum covers every byte
        }
        catch (InvalidDataException damaged)
        {
            throw Mismatch(damaged);
        }
        if (hashing.TakeHashHex() != source.Sha256)
        {
            throw Mismatch(null);
        }
    }

    private BackupException Mismatch(Exception? inner) => new(BackupError.InvalidArchive,
        $"The local backup {source.FileName} no longer matches its checksum (the card may be failing), so it was not copied; run verify on it.", inner);
}
