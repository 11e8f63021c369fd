using System.Diagnostics;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using D3kos.Testing;

namespace D3kos.Common.Tests.Interop;

/// <summary>The errno an IOException carries, told apart by the checked table, from real failing calls.</summary>
public sealed class IoErrorsTests : IDisposable
{
    private readonly TempRoot _root = new();

    [Fact]
    public void A_full_device_is_no_space_and_nothing_else()
    {
        var full = Assert.ThrowsAny<IOException>(() =>
        {
            using var device = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            device.Write(new byte[4096]);
            device.Flush();
        });

        Assert.True(IoErrors.IsNoSpace(full));
        Assert.True(AtomicFile.IsDiskFull(full));
        Assert.False(IoErrors.IsReadOnlyFileSystem(full));
        Assert.False(IoErrors.IsSymlinkRefused(full));
    }

    [Fact]
    public void A_symlink_opened_without_following_is_refused_as_one()
    {
        File.WriteAllText(_root.At("/real"), "x");
        File.CreateSymbolicLink(_root.At("/link"), _root.At("/real"));

        var refused = Assert.ThrowsAny<IOException>(() => UnixFile.OpenReadNoFollow(_root.At("/link")));

        Assert.True(IoErrors.IsSymlinkRefused(refused));
        Assert.False(IoErrors.IsNoSpace(refused));
    }

    [Fact]
    public void A_read_only_mount_is_a_read_only_file_system()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root, to mount a read-only file system");
        var mount = Directory.CreateDirectory(_root.At("/ro")).FullName;
        Run("mount", "-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", mount);
        try
        {
            var refused = Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(mount, "x"), "x"));

            Assert.True(IoErrors.IsReadOnlyFileSystem(refused));
            Assert.False(IoErrors.IsNoSpace(refused));
        }
        finally
        {
            Run("umount", mount);
        }
    }

    public void Dispose() => _root.Dispose();

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
