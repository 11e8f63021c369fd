using D3kos.Common.Hosting;
using D3kos.Common.Licensing;
using D3kos.ExportManager;
using D3kos.ExportManager.Api;
using D3kos.ExportManager.Exports;
using D3kos.ExportManager.Queue;
using D3kos.ExportManager.Upload;

// Process-wide, before anything else runs: see each call's comment.
ProcessSettings.LimitMallocArenas();
ProcessSettings.RaiseOpenFileLimit();
ProcessSettings.SuppressAutoDefaultAuthenticationScheme();

// Whatever stops the service (a setting that does not parse, a port in use) ends it with one sentence.
return ServiceExit.Run("d3kos-export-manager", () =>
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.AddD3kosDefaults(defaultPort: 8094, ExportJsonContext.Default, D3kos.Common.Security.SessionService.Export);

    builder.Services.AddOptions<ExportOptions>().BindConfiguration(ExportOptions.Section).ValidateOnStart();
    builder.Services.AddOptions<CentralOptions>().BindConfiguration(CentralOptions.Section).ValidateOnStart();
    builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ExportOptions>, ExportOptionsValidator>();
    builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<CentralOptions>, CentralOptionsValidator>();

    builder.Services.AddSingleton<ExportPaths>();
    builder.Services.AddSingleton<LicenseReader>();
    builder.Services.AddSingleton(CentralUploaderFactory.Create);
    builder.Services.AddSingleton<ExportBuilder>();
    builder.Services.AddSingleton<ExportService>();
    builder.Services.AddSingleton<D3kos.ExportManager.Boatlog.CsvDownloadGate>();
    builder.Services.AddSingleton<QueueStore>();
    builder.Services.AddSingleton<QueueProcessor>();
    builder.Services.AddSingleton<ExportQueueWorker>();
    builder.Services.AddHostedService(services => services.GetRequiredService<ExportQueueWorker>());
    builder.Services.AddHealthChecks().AddCheck<QueueWorkerHealthCheck>("queue_worker");

    var app = builder.Build();
    app.UseD3kosDefaults();
    app.MapExports();
    app.MapExportQueue();
    app.MapBoatlog();
    app.Run();
});

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
