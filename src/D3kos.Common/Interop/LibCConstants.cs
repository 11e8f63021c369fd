using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

/// <summary>
/// The libc numbers the services pass to the kernel, per processor. Linux does not number its open
/// flags the same everywhere: O_DIRECTORY is 0x10000 on x86-64 and 0x4000 on arm64 and 32-bit ARM,
/// where 0x10000 means O_DIRECT. Every value here is compared with the target's own C headers by
/// <c>LibCHeaderTests</c> (clang --target=... with _Static_assert), so a wrong one fails the build's tests
/// rather than a boat's SD card.
/// </summary>
internal sealed record LibCConstants(
    Architecture Architecture,
    string ClangTarget,
    int OpenReadOnly,
    int OpenCloseOnExec,
    int OpenNoFollow,
    int OpenDirectory,
    int AtFdCwd,
    int AtSymlinkNoFollow,
    uint StatxBasicStats,
    long SyscallSetGroups,
    uint StatxMountId = 0x1000,
    int AtEmptyPath = 0x1000,
    int OpenWriteOnly = 0x1,
    int OpenCreate = 0x40,
    int OpenExclusive = 0x80,
    int OpenNonBlock = 0x800,
    int AtRemoveDir = 0x200,
    int ResourceOpenFiles = 7,
    int SeekSet = 0,
    long TimeOmit = 0x3ffffffe,
    int MallocArenaMax = -8,
    int FadviseDontNeed = 4)
{
    public static readonly LibCConstants X64 = new(
        Architecture.X64, "x86_64-linux-gnu",
        OpenReadOnly: 0, OpenCloseOnExec: 0x80000, OpenNoFollow: 0x20000, OpenDirectory: 0x10000,
        AtFdCwd: -100, AtSymlinkNoFollow: 0x100, StatxBasicStats: 0x7ff, SyscallSetGroups: 116);

    public static readonly LibCConstants Arm64 = new(
        Architecture.Arm64, "aarch64-linux-gnu",
        OpenReadOnly: 0, OpenCloseOnExec: 0x80000, OpenNoFollow: 0x8000, OpenDirectory: 0x4000,
        AtFdCwd: -100, AtSymlinkNoFollow: 0x100, StatxBasicStats: 0x7ff, SyscallSetGroups: 159);

    /// <summary>Every processor the services are built for (README, "Architectures").</summary>
    public static IReadOnlyList<LibCConstants> All { get; } = [X64, Arm64];

    /// <summary>The numbers of the processor this process runs on; any other is refused at the first call.</summary>
    public static LibCConstants Current { get; } = All.FirstOrDefault(c => c.Architecture == RuntimeInformation.ProcessArchitecture)
        ?? throw new PlatformNotSupportedException($"d3kOS data services are built for linux-x64 and linux-arm64, not {RuntimeInformation.ProcessArchitecture}.");
}

/// <summary>
/// Byte offsets in <c>struct statx</c>. The kernel defines it with fixed-size fields (__u32, __u64,
/// struct statx_timestamp), so one layout serves every architecture; the header test checks each offset.
/// </summary>
internal static class StatxLayout
{
    public const int Size = 256;
    public const int Uid = 20;
    public const int Inode = 32;
    public const int Gid = 24;
    public const int Mode = 28;
    public const int FileSize = 40;
    public const int ModifiedSeconds = 112;
    public const int ModifiedNanoseconds = 120;
    public const int DeviceMajor = 136;
    public const int DeviceMinor = 140;
    public const int MountId = 144;
}

/// <summary>
/// The errno numbers the services tell apart. Linux numbers these the same on x86-64 and arm64 (the
/// generic table); the header test checks each one anyway. Code outside the interop layer asks
/// <see cref="IoErrors"/>, which reads them from here.
/// </summary>
internal static class Errno
{
    public const int NotPermitted = 1;    // EPERM
    public const int NoSuchEntry = 2;     // ENOENT
    public const int Interrupted = 4;     // EINTR
    public const int NoDeviceOrAddress = 6; // ENXIO: opening a socket
    public const int AlreadyExists = 17;  // EEXIST
    public const int NotADirectory = 20;  // ENOTDIR
    public const int IsADirectory = 21;   // EISDIR
    public const int NoSpace = 28;        // ENOSPC
    public const int ReadOnlyFileSystem = 30; // EROFS
    public const int NotEmpty = 39;       // ENOTEMPTY
    public const int SymlinkLoop = 40;    // ELOOP
}

/// <summary>Capability numbers (linux/capability.h, the same on every architecture; the header test checks them).</summary>
internal static class Capability
{
    public const int DacOverride = 1;   // CAP_DAC_OVERRIDE
    public const int DacReadSearch = 2; // CAP_DAC_READ_SEARCH
}

/// <summary>
/// <c>struct dirent64</c> as getdents64 fills it (the kernel's linux_dirent64, one layout on every
/// architecture), and the d_type numbers; the header test checks each against glibc's.
/// </summary>
internal static class DirentLayout
{
    public const int RecordLength = 16;
    public const int Type = 18;
    public const int Name = 19;
    public const byte TypeUnknown = 0;
    public const byte TypeFolder = 4;
    public const byte TypeFile = 8;
    public const byte TypeSymlink = 10;
}
