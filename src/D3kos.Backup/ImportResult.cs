namespace D3kos.Backup;

/// <summary>
/// What an import kept, and what the archive's own manifest says about it: a name from outside says
/// nothing an owner choosing what to restore may rely on, the manifest does (its files are checked against it).
/// </summary>
/// <param name="MadeAt">When the backup was really made (the manifest's creation time); null for a legacy archive, which has no manifest.</param>
/// <param name="InstallationId">The installation that made it, as its manifest says; null when it does not say.</param>
/// <param name="MadeHere">Made by this installation (the same id as this Pi's license). A new Pi bringing back the old card's backups is not; that is shown, not refused.</param>
/// <param name="AlreadyHeld">The same bytes (SHA-256) are in the folder already, as <paramref name="Backup"/>: nothing new was kept.</param>
public sealed record ImportResult(BackupInfo Backup, DateTimeOffset? MadeAt, string? InstallationId, bool MadeHere, bool AlreadyHeld = false);
