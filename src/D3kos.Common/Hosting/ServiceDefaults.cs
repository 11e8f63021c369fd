using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using D3kos.Common.Files;
using D3kos.Common.Security;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Serilog;
using Serilog.Events;

namespace D3kos.Common.Hosting;

/// <summary>
/// What both d3kOS services share: root, logging, systemd, JSON and error answers. Services only: what
/// changes the whole process is <see cref="ProcessSettings"/>, called by each Program.cs.
/// </summary>
public static class ServiceDefaults
{
    /// <param name="sessionService">Whose page key this service checks (each service has its own, see OwnerSessions).</param>
    public static WebApplicationBuilder AddD3kosDefaults(this WebApplicationBuilder builder, int defaultPort, IJsonTypeInfoResolver json, SessionService sessionService)
    {
        // nginx is the public face: a service listens on loopback and nginx's socket only.
        builder.AddD3kosListening(defaultPort);

        builder.Host.UseSystemd();
        // UseSystemd switches on only under a systemd parent. Any supervisor (or test) that hands us a
        // NOTIFY_SOCKET gets READY=1 too, sent once Kestrel listens, so nothing ordered after us races us.
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")) && !SystemdHelpers.IsSystemdService())
        {
            builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }
        builder.Services.AddSerilog(logger => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            // The authentication base class says "was challenged" at Information for every refusal; the handler logs its own warning.
            .MinimumLevel.Override(typeof(TokenAuthenticationHandler).FullName!, LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // The host's own "Hosting failed to start" carries the stack trace; ServiceExit says the same in one sentence.
            .Filter.ByExcluding(e => e.Exception is not null && e.MessageTemplate.Text.StartsWith("Hosting failed to start", StringComparison.Ordinal))
            .Enrich.With<JournalPriority>()
            .WriteTo.Console(outputTemplate: "{" + JournalPriority.Property + ":l}[{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}"));

        builder.Services.AddSingleton(services => new D3kosRoot(services.GetRequiredService<IConfiguration>()[D3kosRoot.ConfigurationKey]));
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, json);
            options.SerializerOptions.TypeInfoResolverChain.Insert(1, CommonJsonContext.Default);
        });
        // Binding failures (malformed JSON, wrong content type, body too large) reach the
        // exception handler, which answers with the reason instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions.TryAdd("success", false);
            problem.Extensions.TryAdd("error", problem.Detail ?? problem.Title ?? "Request failed");
        });
        builder.Services.AddExceptionHandler<ExceptionProblems>();
        // The API description (GET /openapi/v1.json), from the endpoints' own types and tags: the d3kOS
        // dashboard's authors generate their client from it. Built from the source-generated JSON contracts.
        builder.Services.AddOpenApi();

        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.AddSingleton<AccessToken>();
        builder.Services.AddSingleton<FailedAttemptLimiter>();
        builder.Services.AddSingleton(new SessionScope(sessionService));
        builder.Services.AddSingleton<OwnerSessions>();
        builder.Services.AddOwnerAccess();
        return builder;
    }

    public static WebApplication UseD3kosDefaults(this WebApplication app)
    {
        app.UseNginxForwarding();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseOwnerAccess();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
