using System.Globalization;

namespace D3kos.Common.Hosting;

/// <summary>Whether systemd handed this process its listening sockets (sd_listen_fds(3)'s LISTEN_PID and LISTEN_FDS).</summary>
public static class SocketActivation
{
    public static bool IsPresent() =>
        int.TryParse(Environment.GetEnvironmentVariable("LISTEN_PID"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
        && pid == Environment.ProcessId
        && int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
        && count > 0;
}
