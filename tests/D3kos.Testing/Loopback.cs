using System.Net;
using System.Net.Sockets;

namespace D3kos.Testing;

/// <summary>Where the tests' real servers listen, and where the repository's scripts are.</summary>
public static class Loopback
{
    /// <summary>A port on 127.0.0.1 that nothing listens on right now (the kernel's choice).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The repository (the folder holding D3kos.sln) above the test's build output: its scripts run the real parts.</summary>
    public static string Repository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "D3kos.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("The repository (D3kos.sln) is not above the test's folder.");
    }
}
