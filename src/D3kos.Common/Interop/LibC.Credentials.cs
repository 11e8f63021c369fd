using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// A user's file-system rights taken on for one thread, so that root reads a path only as far as that user could.
public static partial class LibC
{
    /// <summary>
    /// Gives the calling thread the file-system identity of <paramref name="uid"/>:<paramref name="gid"/>
    /// (setfsuid and setfsgid: on Linux they change only the calling thread, unlike setuid, which glibc
    /// applies to every thread of the process). From 0 to another user the kernel also drops the thread's
    /// file capabilities (CAP_DAC_OVERRIDE and the like), so opens and path lookups are checked as that
    /// user's; the rest of the process stays root. The caller runs this on a thread of its own and calls
    /// <see cref="ResumeOwnFileIdentity"/> before the thread ends. Needs CAP_SETUID and CAP_SETGID; both
    /// calls report nothing on failure, so each is read back (an argument of -1 changes nothing and
    /// returns the current value), and an identity not taken throws rather than reading on as root.
    /// </summary>
    public static void TakeFileIdentity(int uid, int gid)
    {
        _ = SetFsGid((uint)gid);
        _ = SetFsUid((uint)uid);
        if (SetFsUid(uint.MaxValue) != uid || SetFsGid(uint.MaxValue) != gid)
        {
            ResumeOwnFileIdentity();
            throw new IOException($"Cannot read as user {uid}, group {gid} (setfsuid needs CAP_SETUID and CAP_SETGID).");
        }
    }

    /// <summary>Back to the process's own file-system identity (its effective user and group) on this thread.</summary>
    public static void ResumeOwnFileIdentity()
    {
        _ = SetFsUid(GetEffectiveUserId());
        _ = SetFsGid(GetEffectiveGroupId());
    }

    // uid_t and gid_t are 32-bit on both targets; the return value is the previous id, never an error code.
    [LibraryImport("libc", EntryPoint = "setfsuid")]
    private static partial int SetFsUid(uint uid);

    [LibraryImport("libc", EntryPoint = "setfsgid")]
    private static partial int SetFsGid(uint gid);
}
