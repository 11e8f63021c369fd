using System.IO.Pipelines;

namespace D3kos.Backup;

/// <summary>
/// Hands what a writer makes on a thread of its own to a reader as a stream, a bounded piece at a time,
/// so an archive made of a restored snapshot is imported without being written to the card twice.
/// </summary>
internal static class ArchivePipe
{
    public static async Task<T> ReceiveAsync<T>(Action<Stream, CancellationToken> write, Func<Stream, Task<T>> read, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = Task.Run(async () =>
        {
            try
            {
                await using (var output = pipe.Writer.AsStream(leaveOpen: true))
                {
                    write(output, stop.Token);
                }
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The reader sees the writer's failure, not a short archive taken for a damaged one.
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
                throw;
            }
        }, CancellationToken.None);
        try
        {
            await using var content = pipe.Reader.AsStream();
            return await read(content).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Already said through the reader, or the reader stopped first and said why.
            }
        }
    }
}
