using System.Net;
using System.IO.Compression;
using System.Net.Http.Headers;
using D3kos.Common.Licensing;
using D3kos.ExportManager.Exports;
using D3kos.ExportManager.Queue;

namespace D3kos.ExportManager.Upload;

/// <summary>
/// POSTs the export file, streamed, to the central endpoint. The queue id travels as the
/// Idempotency-Key on every attempt, so a retry after a lost answer cannot store an export twice.
/// A stored <c>.json.gz</c> goes as it is with Content-Encoding: gzip (Central:Compression, on by
/// default) or decompressed on the way; a plain <c>.json</c> from before compression goes as it is.
/// </summary>
public sealed class HttpCentralUploader(HttpClient client, Uri target, CentralOptions options, LicenseReader license) : ICentralUploader
{
    public async Task<UploadOutcome> UploadAsync(QueueEntry entry, string exportFilePath, CancellationToken cancellationToken)
    {
        var installationId = license.Read().InstallationId;
        await using var file = new FileStream(exportFilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        var gzipped = ExportFiles.IsCompressed(exportFilePath);
        await using var body = gzipped && !options.Compression ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StreamContent(body, 64 * 1024) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (gzipped && options.Compression)
        {
            request.Content.Headers.ContentEncoding.Add("gzip");
        }
        request.Headers.Add("Idempotency-Key", entry.Id);
        if (installationId is not null)
        {
            request.Headers.Add("X-D3kos-Installation-Id", installationId);
        }
        var bearer = string.IsNullOrEmpty(options.Token) ? installationId : options.Token;
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return Classify(response.StatusCode);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return UploadOutcome.Retry($"No answer from the central endpoint within {options.Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return UploadOutcome.Retry($"Network error: {ex.Message}");
        }
    }

    internal static UploadOutcome Classify(HttpStatusCode status)
    {
        var code = (int)status;
        return code switch
        {
            >= 200 and < 300 => UploadOutcome.Delivered,
            408 or 429 or >= 500 => UploadOutcome.Retry($"Central endpoint answered HTTP {code}"),
            _ => UploadOutcome.Reject($"Central endpoint refused the export with HTTP {code}"),
        };
    }
}
