using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// Process-wide limits, the process's identity, and a thread's file-system identity.
internal static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "getrlimit")]
    internal static partial int GetRLimit(int resource, ref ulong limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    internal static partial int SetRLimit(int resource, ref ulong limit);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    internal static partial int MallOpt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getegid")]
    internal static partial uint GetEffectiveGroupId();

    // uid_t and gid_t are 32-bit on both targets; the return value is the previous id, never an error code.
    [LibraryImport("libc", EntryPoint = "setfsuid")]
    internal static partial int SetFsUid(uint uid);

    [LibraryImport("libc", EntryPoint = "setfsgid")]
    internal static partial int SetFsGid(uint gid);

    // syscall(2) is variadic; on x86-64 and Linux's arm64 (AAPCS64) variadic integers go in the same
    // registers as declared ones, so this declaration is exact there (as OpenWithMode's).
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    internal static partial long SysCall(long number, nuint count, nint list);
}
