using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>Stops and starts the services that write to the restored folders ("systemctl stop X" by default).</summary>
public sealed partial class ServiceController(IOptions<BackupOptions> options, ILogger<ServiceController> logger)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>Runs the command for each service; a failure is logged and returned, never thrown.</summary>
    public IReadOnlyList<string> Run(string action, IEnumerable<string> services)
    {
        var failures = new List<string>();
        foreach (var service in services)
        {
            if (RunOne(action, service) is { } failure)
            {
                failures.Add(failure);
                Log.ServiceCommandFailed(logger, action, service, failure);
            }
        }
        return failures;
    }

    private string? RunOne(string action, string service)
    {
        var start = new ProcessStartInfo(options.Value.ServiceCommand)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(action);
        start.ArgumentList.Add(service);
        try
        {
            using var process = Process.Start(start)!;
            var errorText = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(Limit))
            {
                process.Kill(entireProcessTree: true);
                return $"{action} {service}: no answer within {Limit.TotalSeconds:0} s";
            }
            return process.ExitCode == 0 ? null : $"{action} {service}: exit code {process.ExitCode}: {errorText.Result.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{action} {service}: cannot run '{options.Value.ServiceCommand}': {ex.Message}";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 320, Level = LogLevel.Warning, Message = "Service command {Action} {Service} failed: {Failure}")]
        public static partial void ServiceCommandFailed(ILogger logger, string action, string service, string failure);
    }
}
