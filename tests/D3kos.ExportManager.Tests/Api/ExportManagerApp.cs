using D3kos.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>The export manager host pointed at a test's own root; each test owns its root.</summary>
public sealed class ExportManagerApp(TempRoot root, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("D3KOS_FS_ROOT", root.Path);
        // The in-process test server listens nowhere, which counts as loopback only; auth tests set a token.
        builder.UseSetting("Auth:AllowUnauthenticatedLoopback", "true");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }
}
