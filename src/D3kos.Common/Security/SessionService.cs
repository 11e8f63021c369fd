namespace D3kos.Common.Security;

/// <summary>The two services that accept a session, each with its own page key.</summary>
public enum SessionService
{
    Backup,
    Export,
}
