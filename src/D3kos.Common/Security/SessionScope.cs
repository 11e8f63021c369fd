namespace D3kos.Common.Security;

/// <summary>Which service's page key this process checks: the backup API's, or the export manager's.</summary>
public sealed record SessionScope(SessionService Service);
