namespace D3kos.Backup;

/// <summary>What the last copy to a target did, kept in the backups folder so the API, the CLI and the page show it without the journal.</summary>
/// <param name="CopyFile">The copy's name on the target, when it was written.</param>
/// <param name="Error">The sentence that says why it failed, when it did.</param>
public sealed record CopyStatus(DateTimeOffset Time, bool Succeeded, string BackupFile, string? CopyFile, long SizeBytes, bool Encrypted, long DurationMs, string? Error);

/// <summary>A configured target as the status shows it: its settings, its last copy, and the copies it holds when the drive is there.</summary>
public sealed record TargetStatus(string Name, string Kind, string Path, bool Encrypt, int Keep, CopyStatus? LastCopy, IReadOnlyList<string>? Copies, string? Unavailable);

/// <summary>What a copy did.</summary>
public sealed record CopyResult(string Target, string BackupFile, string CopyFile, long SizeBytes, bool Encrypted, long DurationMs, IReadOnlyList<string> Deleted);
