using System.Runtime.InteropServices;
using D3kos.Common.Interop;

namespace D3kos.Common.Hosting;

/// <summary>
/// Settings of the whole process, not of one host: each program calls them by name at its start, so they
/// are seen there rather than found inside a method that looks as if it only registered services.
/// </summary>
public static class ProcessSettings
{
    /// <summary>The switch <see cref="SuppressAutoDefaultAuthenticationScheme"/> sets; access control refuses to start without it.</summary>
    public const string SuppressAutoDefaultSchemeSwitch = "Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme";

    /// <summary>
    /// Caps glibc's malloc arenas (mallopt M_ARENA_MAX) for the threads that make one from now on. glibc
    /// gives each thread that allocates its own arena, up to eight per core, and keeps freed memory in
    /// each: SQLite's page caches and sorters and zlib's buffers, allocated on whichever pool thread runs
    /// a download or export, are left behind in many arenas. Arenas made before this call (by the
    /// runtime's first threads) stay in use, so the systemd units also set MALLOC_ARENA_MAX=2, which glibc
    /// reads at start; this call covers the demo, the tests and any other way the programs are run. Native
    /// memory is a small part of the services' work, so two arenas lose little to lock contention. Best
    /// effort: a libc that refuses the setting just keeps its own arenas.
    /// </summary>
    public static void LimitMallocArenas(int arenas = 2) => _ = LibC.MallOpt(LibC.Flags.MallocArenaMax, arenas);

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
        if (LibC.GetRLimit(LibC.Flags.ResourceOpenFiles, ref MemoryMarshal.GetReference(limit)) == 0 && limit[0] < limit[1])
        {
            limit[0] = limit[1];
            _ = LibC.SetRLimit(LibC.Flags.ResourceOpenFiles, ref MemoryMarshal.GetReference(limit));
        }
    }

    /// <summary>
    /// Since .NET 7 a sole authentication scheme becomes the default, and authentication then runs for every
    /// request, before UseNginxForwarding: every failure would count against nginx's loopback address, not
    /// the guest's. Without a default, the token scheme runs only when authorization asks for it (an owner's
    /// endpoint), after the forwarded address is known. An AppContext switch is read process-wide, so it is
    /// set here, before the host is built, and <c>AddOwnerAccess</c> checks that it was.
    /// </summary>
    public static void SuppressAutoDefaultAuthenticationScheme() => AppContext.SetSwitch(SuppressAutoDefaultSchemeSwitch, true);
}
