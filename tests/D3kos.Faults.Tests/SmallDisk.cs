using System.Diagnostics;

namespace D3kos.Faults.Tests;

/// <summary>A tmpfs of a few MB mounted for one test (CI runs as root); the test is skipped, saying why, where it cannot mount.</summary>
internal sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public static SmallDisk Mount(int megabytes)
    {
        var path = Directory.CreateTempSubdirectory("d3kos-tmpfs-").FullName;
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            Assert.Skip($"cannot mount a tmpfs here ({error.Trim()}); run as root to exercise the full-disk cases");
        }
        return new SmallDisk(path);
    }

    /// <summary>Fills the disk until only <paramref name="leaveFree"/> bytes are left; returns the filler file.</summary>
    public string Fill(long leaveFree)
    {
        var filler = System.IO.Path.Combine(Path, $"filler-{Guid.NewGuid():N}");
        using var file = new FileStream(filler, FileMode.CreateNew);
        var block = new byte[4096];
        try
        {
            while (FreeBytes > leaveFree + block.Length)
            {
                file.Write(block);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // Full already.
        }
        return filler;
    }

    private static (int Code, string Error) Run(string program, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
