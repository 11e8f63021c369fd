using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>The backup API host on a test's own root.</summary>
internal sealed class BackupApiApp(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Waits for the old state of the last restore to be kept (a restore answers before that).</summary>
    public void WaitForOldStateKept() =>
        Services.GetRequiredService<BackupManager>().Keeping?.Completion.GetAwaiter().GetResult();
}
