using D3kos.Backup;
using D3kos.BackupApi;
using D3kos.Common.Hosting;

// Process-wide, before anything else runs: see each call's comment.
ProcessSettings.LimitMallocArenas();
ProcessSettings.RaiseOpenFileLimit();
ProcessSettings.SuppressAutoDefaultAuthenticationScheme();

// Whatever stops the service (a setting that does not parse, a port in use) ends it with one sentence.
return ServiceExit.Run("d3kos-backup-api", () =>
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.Configuration.AddBackupSettings(args);
    builder.AddD3kosDefaults(defaultPort: 8100, BackupApiJsonContext.Default, D3kos.Common.Security.SessionService.Backup);
    builder.Services.AddD3kosBackup();
    builder.Services.AddHostedService<BackupScheduler>();
    builder.Services.AddHostedService<ConditionWatcher>();
    builder.Services.AddHostedService<StoredCheckScheduler>();
    builder.Services.AddSingleton(BackupProblems.Failure);
    builder.Services.AddHealthChecks();
    builder.Services.AddSingleton<BackupJobs>();
    builder.Services.AddHostedService(services => services.GetRequiredService<BackupJobs>());
    // A restore or backup running at a stop is let finish, within the unit's TimeoutStopSec=600.
    builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromMinutes(9));

    var app = builder.Build();
    app.UseD3kosDefaults();
    // A restore cut short by a crash or power cut is finished or rolled back before anything else runs;
    // one cut off after its swap has its old state kept while the API answers.
    app.Services.GetRequiredService<BackupManager>().RecoverAfterCrash(keepInBackground: true);
    app.MapBackups();
    app.MapSessions();
    app.Run();
});

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
