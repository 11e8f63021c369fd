using D3kos.Common.Interop;

namespace D3kos.Common.Security;

/// <summary>Who this process acts as: what decides whether it may give files an owner, and whose files it trusts.</summary>
public static class ProcessIdentity
{
    /// <summary>The user this process acts as (0 for the backup API's root).</summary>
    public static int EffectiveUserId() => (int)LibC.GetEffectiveUserId();

    /// <summary>The group this process acts as (d3kos for the export manager).</summary>
    public static int EffectiveGroupId() => (int)LibC.GetEffectiveGroupId();
}
