using D3kos.ExportManager.Queue;

namespace D3kos.ExportManager.Upload;

public enum UploadResult
{
    /// <summary>The central endpoint has the export.</summary>
    Delivered,

    /// <summary>A passing fault (network, time-out, 408, 429, 5xx): try again later.</summary>
    Retry,

    /// <summary>The endpoint refused this export for good (any other 4xx): trying again cannot help.</summary>
    Reject,
}

public sealed record UploadOutcome(UploadResult Kind, string? Error)
{
    public static UploadOutcome Delivered { get; } = new(UploadResult.Delivered, null);

    public static UploadOutcome Retry(string error) => new(UploadResult.Retry, error);

    public static UploadOutcome Reject(string error) => new(UploadResult.Reject, error);
}

/// <summary>Delivers one export file to the central endpoint.</summary>
public interface ICentralUploader
{
    Task<UploadOutcome> UploadAsync(QueueEntry entry, string exportFilePath, CancellationToken cancellationToken);
}
