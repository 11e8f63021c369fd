namespace D3kos.Common.Security;

/// <summary>The secrets of a new session: the cookie, and one page key per service (<see cref="OwnerSessions"/>).</summary>
public sealed record OpenedSession(string Cookie, string BackupKey, string ExportKey, DateTimeOffset Expires);
