using System.Globalization;
using D3kos.Common.Interop;

namespace D3kos.Common.Security;

/// <summary>A user's file-system rights taken on for one thread, so that root reads a path only as far as that user could.</summary>
public static class ThreadFileIdentity
{
    /// <summary>
    /// Gives the calling thread the file-system identity of <paramref name="uid"/>:<paramref name="gid"/>
    /// with no supplementary groups. setfsuid and setfsgid change only the calling thread on Linux (glibc
    /// applies setuid and setgroups to every thread, so the groups go by the raw system call). From 0 to
    /// another user the kernel also drops the thread's file capabilities (CAP_DAC_OVERRIDE and the like), so
    /// opens and path lookups are checked as that user's; the rest of the process stays root. The caller runs
    /// this on a thread of its own, which ends after <see cref="Resume"/>: the groups are not given back.
    /// Needs CAP_SETUID and CAP_SETGID. The ids are read back (an argument of -1 changes nothing and returns
    /// the current one) and the capabilities checked gone, and anything short of that throws rather than
    /// reading on as root.
    /// </summary>
    public static void Take(int uid, int gid)
    {
        if (LibC.SysCall(LibC.Flags.SyscallSetGroups, 0, 0) != 0)
        {
            throw LibC.Error("Cannot drop the supplementary groups of a database snapshot's thread");
        }
        _ = LibC.SetFsGid((uint)gid);
        _ = LibC.SetFsUid((uint)uid);
        if (LibC.SetFsUid(uint.MaxValue) != uid || LibC.SetFsGid(uint.MaxValue) != gid || OverridesFileAccess())
        {
            Resume();
            throw new IOException($"Cannot read as user {uid}, group {gid}: taking on a user's rights needs CAP_SETUID and CAP_SETGID.");
        }
    }

    /// <summary>Back to the process's own file-system user and group (its effective ones) on this thread.</summary>
    public static void Resume()
    {
        _ = LibC.SetFsUid(LibC.GetEffectiveUserId());
        _ = LibC.SetFsGid(LibC.GetEffectiveGroupId());
    }

    /// <summary>
    /// Whether this thread still has CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH in effect (its CapEff line in
    /// /proc/thread-self/status): a kernel or securebits setting that kept them would make the identity
    /// change no limit at all.
    /// </summary>
    private static bool OverridesFileAccess()
    {
        const ulong FileOverrides = (1UL << Capability.DacOverride) | (1UL << Capability.DacReadSearch);
        try
        {
            foreach (var line in File.ReadLines("/proc/thread-self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                {
                    return (ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & FileOverrides) != 0;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return true; // not told: assume the worst
    }
}
