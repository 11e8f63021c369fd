namespace D3kos.Backup;

/// <summary>What the last copy to a target did, kept in the backups folder so the API, the CLI and the page show it without the journal.</summary>
/// <param name="CopyFile">The copy's name on the target, when it was written.</param>
/// <param name="Error">The sentence that says why it failed, when it did.</param>
public sealed record CopyStatus(DateTimeOffset Time, bool Succeeded, string BackupFile, string? CopyFile, long SizeBytes, bool Encrypted, long DurationMs, string? Error);

/// <summary>A configured target as the status shows it: its settings, its last copy, and the copies it holds when the drive is there.</summary>
public sealed record TargetStatus(string Name, string Kind, string Path, bool Encrypt, int Keep, CopyStatus? LastCopy, IReadOnlyList<string>? Copies, string? Unavailable,
    string Format = CopyTargetOptions.OpenPgpFileFormat);

/// <summary>What a copy did.</summary>
/// <remarks>A repository copy's <see cref="CopyFile"/> is its snapshot's address (TARGET:ID) and its size the new data it sent.</remarks>
public sealed record CopyResult(string Target, string BackupFile, string CopyFile, long SizeBytes, bool Encrypted, long DurationMs, IReadOnlyList<string> Deleted,
    string Format = CopyTargetOptions.OpenPgpFileFormat);
