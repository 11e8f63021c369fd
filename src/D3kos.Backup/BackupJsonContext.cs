using System.Text.Json.Serialization;

namespace D3kos.Backup;

// Not indented: a manifest lists tens of thousands of files, and jq reads it either way.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BackupManifest))]
[JsonSerializable(typeof(ManifestFile))]
[JsonSerializable(typeof(RestoreJournal))]
[JsonSerializable(typeof(CopyStatus))]
[JsonSerializable(typeof(SentCopies))]
[JsonSerializable(typeof(ScheduleStatus))]
[JsonSerializable(typeof(RestoreRecovery))]
[JsonSerializable(typeof(SignalKAccess))]
[JsonSerializable(typeof(OutboxState))]
[JsonSerializable(typeof(SignalKState))]
[JsonSerializable(typeof(StoredCheckReport))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class BackupJsonContext : JsonSerializerContext;
