using System.Text.Json.Serialization;
using D3kos.Backup;

namespace D3kos.BackupApi;

public sealed record CreateResponse(bool Success, string BackupFile, long SizeBytes, string Path, string Sha256, int FileCount, long DurationMs, IReadOnlyList<string> SourcesSkipped);

public sealed record VerifyResponse(
    bool Success, string BackupFile, bool Valid, int FilesChecked, IReadOnlyList<string> Errors, bool Legacy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note);

/// <param name="AcceptNoChecksums">Required, besides confirm, to restore a legacy backup of d3kOS v0.9.1.2, which has no per-file checksums.</param>
public sealed record RestoreRequest(string? BackupFile, bool Confirm, bool ReplaceInstallationId, bool AcceptNoChecksums);

public sealed record RestoreResponse(
    bool Success,
    string BackupFile,
    string SafetyBackup,
    int FilesRestored,
    IReadOnlyList<string> SourcesRestored,
    bool InstallationIdKept,
    IReadOnlyList<string> Warnings,
    long DurationMs,
    long DowntimeMs,
    long CleanupMs);

public sealed record UploadResponse(bool Success, string BackupFile, long SizeBytes, string Sha256, DateTimeOffset Created);

public sealed record DeleteResponse(bool Success, string Deleted);

public sealed record CopyRequest(string? BackupFile, string? Target);

public sealed record CopyResponse(bool Success, string Target, string BackupFile, string CopyFile, long SizeBytes, bool Encrypted, long DurationMs, IReadOnlyList<string> Deleted);

/// <summary>The passphrase travels in the body only, and only to be stored; no answer or log ever carries it.</summary>
public sealed record PassphraseRequest(string? Passphrase);

public sealed record PassphraseResponse(bool Success, bool PassphraseSet);

public sealed record StatusResponse(bool Success, ScheduleView Schedule, IReadOnlyList<TargetStatus> Targets, bool PassphraseSet);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CreateResponse))]
[JsonSerializable(typeof(IReadOnlyList<BackupInfo>))]
[JsonSerializable(typeof(VerifyResponse))]
[JsonSerializable(typeof(RestoreRequest))]
[JsonSerializable(typeof(RestoreResponse))]
[JsonSerializable(typeof(UploadResponse))]
[JsonSerializable(typeof(DeleteResponse))]
[JsonSerializable(typeof(CopyRequest))]
[JsonSerializable(typeof(CopyResponse))]
[JsonSerializable(typeof(PassphraseRequest))]
[JsonSerializable(typeof(PassphraseResponse))]
[JsonSerializable(typeof(StatusResponse))]
internal sealed partial class BackupApiJsonContext : JsonSerializerContext;
