using D3kos.Backup;
using D3kos.Common.Files;
using D3kos.Common.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace D3kos.BackupCli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Every failure, from a setting that does not parse to a missing file, ends as one sentence and
        // a documented exit code (ExitCodes), never as a stack trace.
        try
        {
            return await RunAsync(args);
        }
        catch (Exception exception)
        {
            var (code, sentence) = ExitCodes.Describe(exception);
            await Console.Error.WriteLineAsync($"Error: {sentence}");
            return code;
        }
    }

    private static async Task<int> RunAsync(string[] args)
    {
        // The walks hold a descriptor per folder level: a deep tree must not run out of them.
        D3kos.Common.Hosting.ProcessSettings.RaiseOpenFileLimit();
        // Same library and configuration as the API: /etc/d3kos/backup.json, then environment variables
        // such as D3KOS_FS_ROOT and Backup__Keep=7, apply to both.
        var configuration = new ConfigurationBuilder().AddBackupSettings([]).Build();
        var collection = new ServiceCollection();
        // The pairing link is signed with the access token the API checks: same "Auth" settings.
        collection.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        using var services = collection
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(new D3kosRoot(configuration[D3kosRoot.ConfigurationKey]))
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter((_, level) => level >= LogLevel.Warning))
            .Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddD3kosBackup()
            .AddSingleton<AccessToken>()
            .AddSingleton(new SessionScope(SessionService.Backup))
            .AddSingleton<OwnerSessions>()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var backups = services.GetRequiredService<BackupManager>();
        // Commands that only look or set the passphrase do not clean up: that is for those that change backups.
        if (args.FirstOrDefault() is not ("status" or "key" or "pair" or "secret" or "central-secret" or "copies"))
        {
            backups.RecoverAfterCrash();
        }
        var console = new CliConsole(Console.Out, Console.Error, Console.In, !Console.IsInputRedirected, !Console.IsErrorRedirected);
        return await new BackupCommands(backups, services.GetRequiredService<BackupCopier>(), services.GetRequiredService<AutomaticBackups>(),
            services.GetRequiredService<BackupPassphrase>(), services.GetRequiredService<CopySecrets>(), services.GetRequiredService<OwnerSessions>(), console).RunAsync(args);
    }
}
