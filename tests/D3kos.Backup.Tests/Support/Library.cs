using D3kos.Common.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>The backup library wired the way the CLI wires it, with the test's settings and clock.</summary>
internal static class Library
{
    public static (BackupManager Manager, ServiceProvider Services) Create(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(new D3kosRoot(configuration["D3KOS_FS_ROOT"]))
            .AddSingleton(time ?? TimeProvider.System)
            .AddLogging()
            .AddD3kosBackup()
            .BuildServiceProvider();
        return (services.GetRequiredService<BackupManager>(), services);
    }
}
