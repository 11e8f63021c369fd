using System.Text.Json;
using System.Text.Json.Serialization;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// What the export manager's queue and history files say, read by the backup API for the conditions: the
/// export manager runs as the d3kos user and cannot reach the notifications, which are root's (their
/// secrets are), so the one watcher reads its files instead. Only the fields a condition needs are kept.
/// A file missing or not readable (no exports yet, mid-rename) is an empty list: a condition is never
/// raised on a file that could not be read.
/// </summary>
public sealed class ExportQueueLook(D3kosRoot root)
{
    private string Folder => root.Resolve(ExportStateFiles.Folder);

    /// <summary>Entries still to be sent (pending, or waiting for a retry).</summary>
    public IReadOnlyList<ExportEntryLook> Waiting() => Read(ExportStateFiles.Queue).Where(e => e.Status is "pending" or "retry").ToList();

    /// <summary>Entries finished in the last 30 days: sent ("completed"), or given up ("failed").</summary>
    public IReadOnlyList<ExportEntryLook> History() => Read(ExportStateFiles.History);

    private List<ExportEntryLook> Read(string name)
    {
        try
        {
            using var file = File.OpenRead(Path.Combine(Folder, name));
            return JsonSerializer.Deserialize(file, ExportLookJsonContext.Default.ExportDocumentLook)?.Entries ?? [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }
}

/// <summary>One queue or history entry, as far as a condition looks at it.</summary>
public sealed record ExportEntryLook(string Status, DateTimeOffset Timestamp, DateTimeOffset? FinishedAt, string? LastError);

/// <summary>The queue and history files' shape (QueueDocument in the export manager), its entries only.</summary>
public sealed record ExportDocumentLook(List<ExportEntryLook>? Entries);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ExportDocumentLook))]
internal sealed partial class ExportLookJsonContext : JsonSerializerContext;
