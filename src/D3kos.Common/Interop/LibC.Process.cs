using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// Process-wide limits and identity: malloc arenas, the open-file limit, the effective user and group.
public static partial class LibC
{
    /// <summary>
    /// Caps glibc's malloc arenas (mallopt M_ARENA_MAX) for the threads that make one from now on. glibc
    /// gives each thread that allocates its own arena, up to eight per core, and keeps freed memory in
    /// each: SQLite's page caches and sorters and zlib's buffers, allocated on whichever pool thread runs
    /// a download or export, are left behind in many arenas (fifty boat-log downloads with 2 MB caches:
    /// peak RSS 52-64 MB run to run, a steady 52 MB with MALLOC_ARENA_MAX=2). Arenas made before this call
    /// (by the runtime's first threads) stay in use, so the systemd units also set MALLOC_ARENA_MAX=2, which
    /// glibc reads at start; this call covers the demo, the tests and any other way the programs are run.
    /// Native memory is a small part of the services' work, so two arenas lose little to lock contention.
    /// Best effort: a libc that refuses the setting just keeps its own arenas.
    /// </summary>
    public static void LimitMallocArenas(int arenas) => _ = MallOpt(Flags.MallocArenaMax, arenas);

    /// <summary>
    /// Raises this process's soft limit of open files to its hard one (systemd's default is 1024 soft,
    /// 524288 hard), as the .NET runtime does for JIT programs but Native AOT does not. The backup walks
    /// and the restore hold one descriptor per folder level (names are looked up relative to the open
    /// folder); at 1024, a tree nested a thousand folders deep, which a plugin could make under
    /// /home/d3kos/.signalk, would fail every backup. Best effort: a refusal keeps the limit as it was.
    /// </summary>
    public static void RaiseOpenFileLimit()
    {
        Span<ulong> limit = stackalloc ulong[2]; // struct rlimit: rlim_cur, rlim_max (64-bit on both targets)
        if (GetRLimit(Flags.ResourceOpenFiles, ref MemoryMarshal.GetReference(limit)) == 0 && limit[0] < limit[1])
        {
            limit[0] = limit[1];
            _ = SetRLimit(Flags.ResourceOpenFiles, ref MemoryMarshal.GetReference(limit));
        }
    }

    /// <summary>The user this process acts as (0 for the backup API's root).</summary>
    public static int EffectiveUserId() => (int)GetEffectiveUserId();

    /// <summary>The group this process acts as (d3kos for the export manager).</summary>
    public static int EffectiveGroupId() => (int)GetEffectiveGroupId();

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, ref ulong limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetRLimit(int resource, ref ulong limit);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEffectiveGroupId();
}
