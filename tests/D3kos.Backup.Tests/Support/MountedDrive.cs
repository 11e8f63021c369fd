using System.Globalization;

namespace D3kos.Backup.Tests;

/// <summary>
/// A real file system mounted where a copy target points, as a USB stick would be: a loop-mounted ext4 or
/// FAT image, or a small tmpfs (full or read-only cases). Needs root, as mounting does; unmounted on dispose.
/// </summary>
internal sealed class MountedDrive : IDisposable
{
    private readonly string? _image;
    private bool _moved;

    private MountedDrive(string mountPoint, string? image)
    {
        MountPoint = mountPoint;
        _image = image;
    }

    public string MountPoint { get; }

    public string CopiesFolder => Path.Combine(MountPoint, "d3kos-backups");

    public static void SkipUnlessRoot() =>
        Assert.SkipUnless(Environment.UserName == "root", "needs root, to mount a file system as a USB drive would be");

    /// <param name="fileSystem">"ext4" or "vfat".</param>
    public static MountedDrive Image(string mountPoint, string fileSystem, int megabytes)
    {
        SkipUnlessRoot();
        Assert.SkipUnless(File.ReadAllText("/proc/filesystems").Contains($"\t{fileSystem}\n", StringComparison.Ordinal),
            $"this kernel has no {fileSystem} driver");
        var image = Path.Combine(Path.GetTempPath(), $"d3kos-drive-{Guid.NewGuid():N}.img");
        using (var file = File.Create(image))
        {
            file.SetLength(megabytes * 1024L * 1024);
        }
        Tool.Run(fileSystem == "vfat" ? "mkfs.vfat" : "mkfs.ext4", fileSystem == "vfat" ? ["-n", "D3KOSUSB", image] : ["-q", "-F", image]);
        Directory.CreateDirectory(mountPoint);
        Tool.Run("mount", "-o", "loop", image, mountPoint);
        return new MountedDrive(mountPoint, image);
    }

    public static MountedDrive Tmpfs(string mountPoint, int kilobytes, bool readOnly = false)
    {
        SkipUnlessRoot();
        Directory.CreateDirectory(mountPoint);
        Tool.Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes.ToString(CultureInfo.InvariantCulture)}k{(readOnly ? ",ro" : "")}", "tmpfs", mountPoint);
        return new MountedDrive(mountPoint, null);
    }

    /// <summary>Unplugs the drive and plugs it in elsewhere (another Pi's mount point); the returned drive owns the image from then on.</summary>
    public MountedDrive MoveTo(string mountPoint)
    {
        Tool.Run("umount", MountPoint);
        Directory.CreateDirectory(mountPoint);
        Tool.Run("mount", "-o", "loop", _image!, mountPoint);
        _moved = true;
        return new MountedDrive(mountPoint, _image);
    }

    public void Dispose()
    {
        if (_moved)
        {
            return;
        }
        // Lazy: a file still open somewhere (a failing test's stream) must not leave the mount behind.
        Tool.Run("umount", "-l", MountPoint);
        if (_image is not null)
        {
            File.Delete(_image);
        }
    }
}
