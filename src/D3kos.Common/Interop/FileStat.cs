using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace D3kos.Common.Interop;

/// <summary>The statx fields a backup keeps, read by path, by name in a <see cref="FolderHandle"/>, or of an open file.</summary>
public readonly record struct FileStat(int Uid, int Gid, ushort Mode, long Size, DateTimeOffset ModifiedAt)
{
    /// <summary>The file system the file lives on (major, minor): a rename only works within one.</summary>
    public (uint Major, uint Minor) Device { get; init; }

    /// <summary>The inode number: with <see cref="Device"/>, which file this is, whatever its name.</summary>
    public ulong Inode { get; init; }

    /// <summary>The mount it is seen through (0 when the kernel does not say): a bind mount of the same disk is another one, and rename(2) does not cross it.</summary>
    public ulong MountId { get; init; }

    /// <summary>Group or others may create, rename and delete entries (without the sticky bit protecting them).</summary>
    public bool WritableByOthers => (Mode & 0x12) != 0 && (Mode & 0x200) == 0;

    private const int TypeMask = 0xF000;

    public bool IsRegularFile => (Mode & TypeMask) == 0x8000;
    public bool IsDirectory => (Mode & TypeMask) == 0x4000;
    public bool IsSymlink => (Mode & TypeMask) == 0xA000;

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);

    /// <summary>lstat through statx: the link itself, never what it points to.</summary>
    public static FileStat Lstat(string path) =>
        TryStatx(null, path, LibC.Flags.AtSymlinkNoFollow, out var stat) ? stat : throw LibC.Error($"Cannot read '{path}'");

    /// <summary><see cref="Lstat"/>, false when nothing is there (ENOENT, ENOTDIR), as a walk meets what was removed meanwhile.</summary>
    public static bool TryLstat(string path, out FileStat stat) => TryStatx(null, path, out stat);

    /// <summary>fstat through statx: the open file itself (AT_EMPTY_PATH).</summary>
    public static FileStat Fstat(SafeFileHandle file) => Fstat((SafeHandle)file);

    internal static FileStat Fstat(SafeHandle open) =>
        TryStatx(open, "", LibC.Flags.AtEmptyPath | LibC.Flags.AtSymlinkNoFollow, out var stat) ? stat : throw LibC.Error("Cannot read an open file or folder");

    /// <summary>lstat of a path, or of a name in <paramref name="folder"/>: false when it is gone (ENOENT, ENOTDIR).</summary>
    internal static bool TryStatx(SafeHandle? folder, string name, out FileStat stat) =>
        TryStatx(folder, name, LibC.Flags.AtSymlinkNoFollow, out stat)
        || (LibC.LastError is Errno.NoSuchEntry or Errno.NotADirectory ? false : throw LibC.Error($"Cannot read '{name}'"));

    /// <summary>The one statx call: basic fields and the mount id; false with errno set when it fails.</summary>
    private static bool TryStatx(SafeHandle? folder, string path, int flags, out FileStat stat)
    {
        Span<byte> buffer = stackalloc byte[StatxLayout.Size];
        var mask = LibC.Flags.StatxBasicStats | LibC.Flags.StatxMountId;
        var failed = folder is null
            ? LibC.Statx(LibC.Flags.AtFdCwd, path, flags, mask, ref MemoryMarshal.GetReference(buffer))
            : LibC.Statx(folder, path, flags, mask, ref MemoryMarshal.GetReference(buffer));
        stat = failed == 0 ? FromStatx(buffer) : default;
        return failed == 0;
    }

    /// <summary>Reads the fields from a statx buffer (little-endian on every supported processor).</summary>
    internal static FileStat FromStatx(ReadOnlySpan<byte> statx)
    {
        var seconds = BinaryPrimitives.ReadInt64LittleEndian(statx[StatxLayout.ModifiedSeconds..]);
        var nanoseconds = BinaryPrimitives.ReadUInt32LittleEndian(statx[StatxLayout.ModifiedNanoseconds..]);
        return new FileStat(
            Uid: BinaryPrimitives.ReadInt32LittleEndian(statx[StatxLayout.Uid..]),
            Gid: BinaryPrimitives.ReadInt32LittleEndian(statx[StatxLayout.Gid..]),
            Mode: BinaryPrimitives.ReadUInt16LittleEndian(statx[StatxLayout.Mode..]),
            Size: BinaryPrimitives.ReadInt64LittleEndian(statx[StatxLayout.FileSize..]),
            ModifiedAt: DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100))
        {
            Device = (BinaryPrimitives.ReadUInt32LittleEndian(statx[StatxLayout.DeviceMajor..]), BinaryPrimitives.ReadUInt32LittleEndian(statx[StatxLayout.DeviceMinor..])),
            Inode = BinaryPrimitives.ReadUInt64LittleEndian(statx[StatxLayout.Inode..]),
            // stx_mask (offset 0) says whether the kernel filled stx_mnt_id (Linux 5.8 and later).
            MountId = (BinaryPrimitives.ReadUInt32LittleEndian(statx) & LibCConstants.Current.StatxMountId) != 0
                ? BinaryPrimitives.ReadUInt64LittleEndian(statx[StatxLayout.MountId..])
                : 0,
        };
    }
}
