using System.Runtime.InteropServices;

namespace D3kos.Common.Tests;

/// <summary>The process's umask, for tests that show a mode is set whatever the umask.</summary>
internal static partial class UnixUmask
{
    public static uint Set(uint mask) => umask(mask);

    [LibraryImport("libc", SetLastError = false)]
    private static partial uint umask(uint mask);
}
