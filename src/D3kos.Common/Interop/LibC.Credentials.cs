using System.Globalization;
using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// A user's file-system rights taken on for one thread, so that root reads a path only as far as that user could.
public static partial class LibC
{
    /// <summary>
    /// Gives the calling thread the file-system identity of <paramref name="uid"/>:<paramref name="gid"/>
    /// with no supplementary groups. setfsuid and setfsgid change only the calling thread on Linux (glibc
    /// applies setuid and setgroups to every thread, so the groups go by the raw system call). From 0 to
    /// another user the kernel also drops the thread's file capabilities (CAP_DAC_OVERRIDE and the like), so
    /// opens and path lookups are checked as that user's; the rest of the process stays root. The caller runs
    /// this on a thread of its own, which ends after <see cref="ResumeOwnFileIdentity"/>: the groups are not
    /// given back. Needs CAP_SETUID and CAP_SETGID. The ids are read back (an argument of -1 changes nothing
    /// and returns the current one) and the capabilities checked gone, and anything short of that throws
    /// rather than reading on as root.
    /// </summary>
    public static void TakeFileIdentity(int uid, int gid)
    {
        if (SysCall(Flags.SyscallSetGroups, 0, 0) != 0)
        {
            throw Error("Cannot drop the supplementary groups of a database snapshot's thread");
        }
        _ = SetFsGid((uint)gid);
        _ = SetFsUid((uint)uid);
        if (SetFsUid(uint.MaxValue) != uid || SetFsGid(uint.MaxValue) != gid || ThreadOverridesFileAccess())
        {
            ResumeOwnFileIdentity();
            throw new IOException($"Cannot read as user {uid}, group {gid}: taking on a user's rights needs CAP_SETUID and CAP_SETGID.");
        }
    }

    /// <summary>Back to the process's own file-system user and group (its effective ones) on this thread.</summary>
    public static void ResumeOwnFileIdentity()
    {
        _ = SetFsUid(GetEffectiveUserId());
        _ = SetFsGid(GetEffectiveGroupId());
    }

    /// <summary>
    /// Whether this thread still has CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH in effect (its CapEff line in
    /// /proc/thread-self/status): a kernel or securebits setting that kept them would make the identity
    /// change no limit at all.
    /// </summary>
    private static bool ThreadOverridesFileAccess()
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

    // uid_t and gid_t are 32-bit on both targets; the return value is the previous id, never an error code.
    [LibraryImport("libc", EntryPoint = "setfsuid")]
    private static partial int SetFsUid(uint uid);

    [LibraryImport("libc", EntryPoint = "setfsgid")]
    private static partial int SetFsGid(uint gid);

    // syscall(2) is variadic; on x86-64 and Linux's arm64 (AAPCS64) variadic integers go in the same
    // registers as declared ones, so this declaration is exact there (as OpenWithMode's).
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SysCall(long number, nuint count, nint list);
}
