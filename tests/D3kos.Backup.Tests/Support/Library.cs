using D3kos.Common.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace D3kos.Backup.Tests;

/// <summary>The backup library wired the way the CLI wires it, with the test's settings and clock.</summary>
internal static class Library
{
    /// <param name="logs">Where every log line goes, when the test reads the logs.</param>
    public static (BackupManager Manager, ServiceProvider Services) Create(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null,
        ILoggerProvider? logs = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(new D3kosRoot(configuration["D3KOS_FS_ROOT"]))
            .AddSingleton(time ?? TimeProvider.System)
            .AddLogging(logging =>
            {
                if (logs is not null)
                {
                    logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
                }
            })
            .AddD3kosBackup()
            .BuildServiceProvider();
        return (services.GetRequiredService<BackupManager>(), services);
    }
}

/// <summary>A restore as the tests mostly need it: returned once its old state is kept and the aside folders are gone.</summary>
internal static class RestoreKeptExtensions
{
    public static RestoreResult RestoreKept(this BackupManager manager, string name, bool replaceInstallationId, BackupProgress? progress = null,
        bool acceptNoChecksums = false, CancellationToken cancellationToken = default)
    {
        var result = manager.Restore(name, replaceInstallationId, progress, acceptNoChecksums, cancellationToken);
        result.Keeping.Completion.GetAwaiter().GetResult();
        return result;
    }
}
