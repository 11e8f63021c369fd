using System.Text.Json.Serialization;
using D3kos.Backup;

namespace D3kos.BackupApi;

public sealed record CreateResponse(bool Success, string BackupFile, long SizeBytes, string Path, string Sha256, int FileCount, long DurationMs, IReadOnlyList<string> SourcesSkipped);

public sealed record VerifyResponse(
    bool Success, string BackupFile, bool Valid, int FilesChecked, IReadOnlyList<string> Errors, bool Legacy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note);

/// <param name="AcceptNoChecksums">Required, besides confirm, to restore a legacy backup of d3kOS v0.9.1.2, which has no per-file checksums.</param>
public sealed record RestoreRequest(string? BackupFile, bool Confirm, bool ReplaceInstallationId, bool AcceptNoChecksums);

/// <param name="SafetyBackupState">"writing" when answered (the services are back), then "kept", or "failed" with <paramref name="SafetyBackupError"/>.</param>
/// <param name="DurationMs">Until the services were back with the new files.</param>
public sealed record RestoreResponse(
    bool Success,
    string BackupFile,
    string SafetyBackup,
    string SafetyBackupState,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SafetyBackupError,
    int FilesRestored,
    IReadOnlyList<string> SourcesRestored,
    bool InstallationIdKept,
    IReadOnlyList<string> Warnings,
    long DurationMs,
    long DowntimeMs)
{
    public static RestoreResponse From(RestoreResult result)
    {
        var keeping = result.Keeping;
        var state = !keeping.Finished ? "writing" : keeping.Failure is null ? "kept" : "failed";
        return new RestoreResponse(true, result.BackupFile, result.SafetyBackup, state, keeping.Failure, result.FilesRestored,
            result.SourcesRestored, result.InstallationIdKept, result.Warnings, result.DurationMs, result.DowntimeMs);
    }
}

/// <param name="Created">When it arrived here (its name, d3kos_imported_…).</param>
/// <param name="MadeAt">When it was really made, as its manifest says (null for a legacy archive): a name from outside says nothing.</param>
/// <param name="MadeHere">Made by this installation; false for another's (a new Pi bringing back the old card's), whose id is <paramref name="InstallationId"/>.</param>
/// <param name="AlreadyHeld">The same backup (same SHA-256) was here already as <paramref name="BackupFile"/>; nothing new was kept.</param>
public sealed record UploadResponse(
    bool Success, string BackupFile, long SizeBytes, string Sha256, DateTimeOffset Created, DateTimeOffset? MadeAt, bool MadeHere, string? InstallationId, bool AlreadyHeld)
{
    public static UploadResponse From(ImportResult imported) => new(true, imported.Backup.Filename, imported.Backup.SizeBytes, imported.Backup.Sha256,
        imported.Backup.Created, imported.MadeAt, imported.MadeHere, imported.InstallationId, imported.AlreadyHeld);
}

public sealed record DeleteResponse(bool Success, string Deleted);

public sealed record CopyRequest(string? BackupFile, string? Target);

/// <summary>A copy in a bucket to bring back, as the copies list names it (s3://BUCKET/PREFIX/NAME).</summary>
public sealed record ImportRequest(string? Address);

public sealed record CopiesResponse(bool Success, string Target, IReadOnlyList<TargetCopy> Copies);

/// <summary>The secret key travels in the body only, and only to be stored; no answer or log ever carries it.</summary>
public sealed record SecretRequest(string? SecretKey);

public sealed record SecretResponse(bool Success, string Target, bool SecretSet);

public sealed record CopyResponse(bool Success, string Target, string BackupFile, string CopyFile, long SizeBytes, bool Encrypted, long DurationMs, IReadOnlyList<string> Deleted);

/// <summary>The passphrase travels in the body only, and only to be stored; no answer or log ever carries it.</summary>
public sealed record PassphraseRequest(string? Passphrase);

public sealed record PassphraseResponse(bool Success, bool PassphraseSet);

/// <summary>Either the access token or a pairing link's code; neither is ever logged or answered back.</summary>
public sealed record SignInRequest(string? Token, string? PairingCode);

/// <param name="PageKeys">Only in the answer to a sign-in: the page sends each with every request to its service (header X-D3kos-Request).</param>
public sealed record SessionResponse(
    bool Success, bool SignedIn, DateTimeOffset? Expires,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PageKeys? PageKeys);

/// <summary>One key per service: the export manager (d3kos) never receives the backup API's.</summary>
public sealed record PageKeys(string Backup, string Export);

public sealed record SignedOutResponse(bool Success, int SessionsEnded);

/// <param name="Link">The path on the helm's address that signs a browser in (the code travels after '#', so no server log keeps it).</param>
/// <param name="Url">The whole link on the page's address, when the request gave it ("origin").</param>
/// <param name="QrSvg">The whole link as a QR code (SVG, black on white), when the request gave the origin.</param>
public sealed record PairingResponse(
    bool Success, string Code, string Link, DateTimeOffset Expires,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? QrSvg);

/// <param name="Origin">The page's address (location.origin), for the whole link and its QR code.</param>
public sealed record PairingRequest(string? Origin);

/// <summary>
/// A job as the page polls it. State is running, succeeded or failed; Done of Total bytes in Phase (Total 0:
/// the phase cannot say); a failed job carries the status and sentence its direct endpoint would have answered.
/// </summary>
public sealed record JobResponse(
    bool Success, string Id, string Kind, string State, DateTimeOffset Started, string Phase, long Done, long Total,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CreateResponse? Create,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] VerifyResponse? Verify,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RestoreResponse? Restore,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CopyResponse? Copy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UploadResponse? Import,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

/// <param name="Problems">The conditions that hold now (<see cref="Condition"/>), alarms first; empty when all is well.</param>
/// <param name="SignalK">How the link to the helm's Signal K server stands (connected, waiting for approval, not reachable).</param>
/// <param name="Email">Whether email is set up, who gets it, how many messages wait in the outbox and why the last try failed.</param>
/// <param name="OldState">A restore's replaced state not yet kept in its safety backup (being written, waiting, or failed); absent otherwise.</param>
public sealed record StatusResponse(bool Success, IReadOnlyList<Condition> Problems, SignalKState SignalK, EmailState Email, ScheduleView Schedule, IReadOnlyList<TargetStatus> Targets, bool PassphraseSet,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OldStateStatus? OldState);

/// <param name="Sent">True when the mail server took it; otherwise <paramref name="Error"/> says why in one sentence.</param>
public sealed record EmailTestResponse(bool Success, bool Sent, IReadOnlyList<string> To,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SignInRequest))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(SignedOutResponse))]
[JsonSerializable(typeof(PairingResponse))]
[JsonSerializable(typeof(PairingRequest))]
[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(CreateResponse))]
[JsonSerializable(typeof(IReadOnlyList<BackupInfo>))]
[JsonSerializable(typeof(VerifyResponse))]
[JsonSerializable(typeof(RestoreRequest))]
[JsonSerializable(typeof(RestoreResponse))]
[JsonSerializable(typeof(ImportRequest))]
[JsonSerializable(typeof(CopiesResponse))]
[JsonSerializable(typeof(SecretRequest))]
[JsonSerializable(typeof(SecretResponse))]
[JsonSerializable(typeof(UploadResponse))]
[JsonSerializable(typeof(DeleteResponse))]
[JsonSerializable(typeof(CopyRequest))]
[JsonSerializable(typeof(CopyResponse))]
[JsonSerializable(typeof(PassphraseRequest))]
[JsonSerializable(typeof(PassphraseResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(Condition))]
[JsonSerializable(typeof(EmailTestResponse))]
internal sealed partial class BackupApiJsonContext : JsonSerializerContext;
