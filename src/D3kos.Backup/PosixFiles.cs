using System.Runtime.InteropServices;

namespace D3kos.Backup;

/// <summary>
/// Owners are part of a backup (a restored database must stay writable by the service that owns
/// it) and .NET has no API for them; statx has the same layout on every Linux architecture
/// (offsets: uid 20, gid 24, mode 28, size 40, mtime 112).
/// </summary>
internal static partial class PosixFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>lstat: the link itself, never what it points to.</summary>
    public static FileStat Stat(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw new IOException($"Cannot read '{path}' (errno {Marshal.GetLastPInvokeError()}).");
        }
        var seconds = BitConverter.ToInt64(buffer[112..]);
        var nanoseconds = BitConverter.ToUInt32(buffer[120..]);
        return new FileStat(
            Uid: BitConverter.ToInt32(buffer[20..]),
            Gid: BitConverter.ToInt32(buffer[24..]),
            Mode: BitConverter.ToUInt16(buffer[28..]),
            Size: BitConverter.ToInt64(buffer[40..]),
            ModifiedAt: DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100));
    }

    /// <summary>Sets the owner without following a symlink; a non-root caller can only keep its own, so EPERM is ignored.</summary>
    public static void SetOwner(string path, int uid, int gid)
    {
        const int NotPermitted = 1;
        if (LChown(path, uid, gid) != 0 && Marshal.GetLastPInvokeError() != NotPermitted)
        {
            throw new IOException($"Cannot set the owner of '{path}' (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>Flushes every written file to disk in one call, instead of an fsync per file.</summary>
    public static void SyncAll() => Sync();

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();
}

/// <summary>The statx fields a backup keeps.</summary>
internal readonly record struct FileStat(int Uid, int Gid, ushort Mode, long Size, DateTimeOffset ModifiedAt)
{
    private const int TypeMask = 0xF000;

    public bool IsRegularFile => (Mode & TypeMask) == 0x8000;
    public bool IsDirectory => (Mode & TypeMask) == 0x4000;
    public bool IsSymlink => (Mode & TypeMask) == 0xA000;

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);
}
