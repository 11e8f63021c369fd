using System.IO.Compression;
using System.IO.Pipelines;

namespace D3kos.Backup;

/// <summary>
/// A snapshot brought back: <c>restic dump</c> gives the tar, which is gzipped again on the way so the
/// import takes it as it takes any backup (verified whole with its manifest, then restored through the
/// same staged path). The tar is not kept anywhere but in the import's own partial file.
/// </summary>
internal static class RepositoryDump
{
    public static async Task<T> ReceiveAsync<T>(ResticProcess restic, string snapshotId, string tarName, long tarSize,
        Func<CopyDownload, CancellationToken, Task<T>> receive, BackupProgress? progress, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var dumping = Task.Run(async () =>
        {
            try
            {
                await restic.RunAsync(["dump", snapshotId, "/" + tarName], feed: null, async (stdout, token) =>
                {
                    await using var gzip = new GZipStream(pipe.Writer.AsStream(leaveOpen: true), CompressionLevel.Fastest, leaveOpen: false);
                    var buffer = new byte[1 << 16];
                    long done = 0;
                    int read;
                    while ((read = await stdout.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
                    {
                        await gzip.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                        progress?.Report(done += read);
                    }
                }, stop.Token).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The reader sees restic's failure, not a short file taken for a damaged one.
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
                throw;
            }
        }, CancellationToken.None);
        try
        {
            await using var content = pipe.Reader.AsStream();
            return await receive(new CopyDownload(content, tarSize, null), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await dumping.ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Already said through the reader, or the import stopped first and said why.
            }
        }
    }
}
