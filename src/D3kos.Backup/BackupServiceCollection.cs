using D3kos.Common.Files;
using D3kos.Common.Licensing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

public static class BackupServiceCollection
{
    /// <summary>The backup library as the API host and the CLI use it; the caller registers <see cref="D3kosRoot"/>.</summary>
    public static IServiceCollection AddD3kosBackup(this IServiceCollection services)
    {
        services.AddOptions<BackupOptions>().BindConfiguration(BackupOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LicenseReader>();
        services.AddSingleton<BackupPaths>();
        services.AddSingleton<ServiceController>();
        services.AddSingleton<BackupManager>();
        services.AddSingleton<BackupPassphrase>();
        services.AddSingleton<CopySecrets>();
        services.AddSingleton<CopyTargetFactory>();
        services.AddSingleton<BackupCopier>();
        services.AddSingleton<AutomaticBackups>();
        services.AddSingleton<StoredCheck>();
        services.AddSingleton<ExportQueueLook>();
        services.AddSingleton<BackupConditions>();
        services.AddOptions<NotifyOptions>().BindConfiguration(NotifyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotifyOptions>, NotifyOptionsValidator>();
        services.AddSingleton<NotifySecrets>();
        services.AddSingleton<NotifyHttp>();
        services.AddSingleton<SignalKLink>();
        services.AddSingleton<EmailOutbox>();
        services.AddSingleton<EmailSender>();
        return services;
    }
}
