using System.Diagnostics;
using System.Globalization;
using System.Text;
using D3kos.Common.Interop;

namespace D3kos.Common.Tests;

/// <summary>
/// Each libc number and struct offset the services use, checked against the C headers of every
/// target processor with the C compiler itself: clang compiles a file of _Static_asserts for
/// x86_64-linux-gnu and aarch64-linux-gnu. A constant that is right on x64 and wrong on the Pi
/// (O_DIRECTORY once was) fails here, on the build machine.
/// </summary>
public sealed class LibCHeaderTests
{
    public static TheoryData<string> Targets() => new(LibCConstants.All.Select(c => c.ClangTarget));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_constant_and_offset_matches_the_targets_headers(string clangTarget)
    {
        var constants = LibCConstants.All.Single(c => c.ClangTarget == clangTarget);
        Assert.SkipUnless(HeadersPresent(clangTarget), $"no C headers for {clangTarget} here (apt-get install clang libc6-dev:{DebianArch(clangTarget)})");

        var source = new StringBuilder("""
            #define _GNU_SOURCE
            #include <dirent.h>
            #include <errno.h>
            #include <fcntl.h>
            #include <malloc.h>
            #include <stddef.h>
            #include <sys/resource.h>
            #include <sys/stat.h>
            #include <sys/syscall.h>
            #include <linux/capability.h>
            #include <time.h>
            #include <unistd.h>

            """);
        void Equal(string expression, long value) =>
            source.Append(CultureInfo.InvariantCulture, $"_Static_assert(({expression}) == {value}L, \"{expression} is not {value} on {clangTarget}\");\n");

        Equal("O_RDONLY", constants.OpenReadOnly);
        Equal("O_CLOEXEC", constants.OpenCloseOnExec);
        Equal("O_NOFOLLOW", constants.OpenNoFollow);
        Equal("O_DIRECTORY", constants.OpenDirectory);
        Equal("AT_FDCWD", constants.AtFdCwd);
        Equal("AT_SYMLINK_NOFOLLOW", constants.AtSymlinkNoFollow);
        Equal("STATX_BASIC_STATS", constants.StatxBasicStats);
        Equal("STATX_MNT_ID", constants.StatxMountId);
        Equal("AT_EMPTY_PATH", constants.AtEmptyPath);
        Equal("O_WRONLY", constants.OpenWriteOnly);
        Equal("O_CREAT", constants.OpenCreate);
        Equal("O_EXCL", constants.OpenExclusive);
        Equal("O_NONBLOCK", constants.OpenNonBlock);
                Equal("AT_REMOVEDIR", constants.AtRemoveDir);
        Equal("RLIMIT_NOFILE", constants.ResourceOpenFiles);
        Equal("SEEK_SET", constants.SeekSet);
        // ProcessSettings.RaiseOpenFileLimit passes struct rlimit as two 64-bit numbers.
        Equal("sizeof(struct rlimit)", 16);
        Equal("offsetof(struct rlimit, rlim_max)", 8);
        Equal("EPERM", Errno.NotPermitted);
        Equal("ENOENT", Errno.NoSuchEntry);
        Equal("EINTR", Errno.Interrupted);
        Equal("ENXIO", Errno.NoDeviceOrAddress);
        Equal("EEXIST", Errno.AlreadyExists);
        Equal("ENOTDIR", Errno.NotADirectory);
        Equal("EISDIR", Errno.IsADirectory);
        Equal("ENOSPC", Errno.NoSpace);
        Equal("EROFS", Errno.ReadOnlyFileSystem);
        Equal("ENOTEMPTY", Errno.NotEmpty);
        Equal("ELOOP", Errno.SymlinkLoop);
        // getdents64 fills struct dirent64 records; FolderHandle.List reads them by these offsets.
        Equal("offsetof(struct dirent64, d_reclen)", DirentLayout.RecordLength);
        Equal("offsetof(struct dirent64, d_type)", DirentLayout.Type);
        Equal("offsetof(struct dirent64, d_name)", DirentLayout.Name);
        Equal("DT_UNKNOWN", DirentLayout.TypeUnknown);
        Equal("DT_DIR", DirentLayout.TypeFolder);
        Equal("DT_REG", DirentLayout.TypeFile);
        Equal("DT_LNK", DirentLayout.TypeSymlink);
        Equal("UTIME_OMIT", constants.TimeOmit);
        Equal("M_ARENA_MAX", constants.MallocArenaMax);
        Equal("POSIX_FADV_DONTNEED", constants.FadviseDontNeed);
        Equal("SYS_setgroups", constants.SyscallSetGroups);
        Equal("CAP_DAC_OVERRIDE", Capability.DacOverride);
        Equal("CAP_DAC_READ_SEARCH", Capability.DacReadSearch);
        Equal("sizeof(off_t)", 8); // posix_fadvise's offset and length
        // futimens takes struct timespec[2]: LibC passes two 64-bit fields each.
        Equal("sizeof(struct timespec)", 16);
        Equal("offsetof(struct timespec, tv_nsec)", 8);
        Equal("offsetof(struct statx, stx_mnt_id)", StatxLayout.MountId);
        Equal("sizeof(struct statx)", StatxLayout.Size);
        Equal("offsetof(struct statx, stx_uid)", StatxLayout.Uid);
        Equal("offsetof(struct statx, stx_ino)", StatxLayout.Inode);
        Equal("offsetof(struct statx, stx_gid)", StatxLayout.Gid);
        Equal("offsetof(struct statx, stx_mode)", StatxLayout.Mode);
        Equal("sizeof(((struct statx *)0)->stx_mode)", 2);
        Equal("offsetof(struct statx, stx_size)", StatxLayout.FileSize);
        Equal("offsetof(struct statx, stx_mtime.tv_sec)", StatxLayout.ModifiedSeconds);
        Equal("offsetof(struct statx, stx_mtime.tv_nsec)", StatxLayout.ModifiedNanoseconds);
        Equal("offsetof(struct statx, stx_dev_major)", StatxLayout.DeviceMajor);
        Equal("offsetof(struct statx, stx_dev_minor)", StatxLayout.DeviceMinor);
        // uid_t, gid_t and int are what the LibraryImport signatures pass.
        Equal("sizeof(uid_t)", sizeof(int));
        Equal("sizeof(gid_t)", sizeof(int));

        var (exitCode, output) = Clang(clangTarget, source.ToString());
        Assert.True(exitCode == 0, $"the headers of {clangTarget} disagree with LibCConstants:\n{output}");
    }

    [Fact]
    public void The_check_itself_fails_on_a_wrong_number()
    {
        // Without this, a compiler that accepted anything would make the test above pass by itself.
        Assert.SkipUnless(HeadersPresent("aarch64-linux-gnu"), "no aarch64 C headers here");
        var (exitCode, output) = Clang("aarch64-linux-gnu", "#include <fcntl.h>\n_Static_assert(O_DIRECTORY == 0x10000, \"x86-64's number\");\n");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("x86-64's number", output, StringComparison.Ordinal);
    }

    private static bool HeadersPresent(string clangTarget) =>
        File.Exists("/usr/bin/clang") && File.Exists($"/usr/include/{clangTarget}/bits/fcntl.h");

    private static string DebianArch(string clangTarget) => clangTarget.StartsWith("aarch64", StringComparison.Ordinal) ? "arm64" : "amd64";

    private static (int ExitCode, string Output) Clang(string target, string source)
    {
        var file = Path.Combine(Path.GetTempPath(), $"d3kos-libc-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, source);
        try
        {
            using var clang = Process.Start(new ProcessStartInfo("clang", ["--target=" + target, "-fsyntax-only", "-std=c11", file])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            var output = clang.StandardError.ReadToEnd() + clang.StandardOutput.ReadToEnd();
            clang.WaitForExit();
            return (clang.ExitCode, output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
