using System.Runtime.InteropServices;

namespace D3kos.Common.Interop;

// Folders listed, made, renamed and emptied relative to an open folder, and writes flushed.
internal static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    internal static partial long LSeek(SafeHandle file, long offset, int whence);

    // glibc's wrapper (2.30 and later; Raspberry Pi OS bookworm has 2.36) spares a per-architecture syscall
    // number. A bare descriptor: FolderHandle.List holds the reference for the whole listing itself.
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    internal static unsafe partial nint GetDents64(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MkdirAt(FolderHandle parent, string name, uint mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true)]
    internal static unsafe partial int RenameAt(FolderHandle from, byte* fromName, FolderHandle to, byte* toName);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    internal static unsafe partial int UnlinkAt(FolderHandle folder, byte* name, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(SafeHandle file);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    internal static partial int SyncFs(SafeHandle file);
}
