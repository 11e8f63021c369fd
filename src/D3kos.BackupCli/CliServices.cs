using D3kos.Backup;
using D3kos.Common.Files;
using D3kos.Common.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace D3kos.BackupCli;

/// <summary>
/// The backup library as the CLI uses it: the same library and configuration as the API
/// (/etc/d3kos/backup.json, then environment variables such as D3KOS_FS_ROOT and Backup__Keep=7).
/// Built only when a command runs, so `--help` and a mistyped command need no settings at all.
/// </summary>
internal sealed class CliServices : IDisposable
{
    private readonly ServiceProvider _provider;

    public CliServices(CliConsole console)
    {
        var configuration = new ConfigurationBuilder().AddBackupSettings([]).Build();
        var collection = new ServiceCollection();
        // The pairing link is signed with the access token the API checks: same "Auth" settings.
        collection.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        _provider = collection
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(new D3kosRoot(configuration[D3kosRoot.ConfigurationKey]))
            // Warnings (a clean-up after a killed run) reach the owner as sentences on standard error.
            .AddLogging(logging => logging.AddProvider(new SentenceLoggerProvider(console.Error)).SetMinimumLevel(LogLevel.Warning))
            .AddD3kosBackup()
            .AddSingleton<AccessToken>()
            .AddSingleton(new SessionScope(SessionService.Backup))
            .AddSingleton<OwnerSessions>()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public BackupManager Backups => _provider.GetRequiredService<BackupManager>();

    public BackupCopier Copier => _provider.GetRequiredService<BackupCopier>();

    public AutomaticBackups Automatic => _provider.GetRequiredService<AutomaticBackups>();

    public BackupConditions Conditions => _provider.GetRequiredService<BackupConditions>();

    public EmailSender Email => _provider.GetRequiredService<EmailSender>();

    public SignalKLink SignalK => _provider.GetRequiredService<SignalKLink>();

    public NotifySecrets NotifySecrets => _provider.GetRequiredService<NotifySecrets>();

    public BackupPassphrase Passphrase => _provider.GetRequiredService<BackupPassphrase>();

    public CopySecrets Secrets => _provider.GetRequiredService<CopySecrets>();

    public OwnerSessions Sessions => _provider.GetRequiredService<OwnerSessions>();

    public void Dispose() => _provider.Dispose();
}
