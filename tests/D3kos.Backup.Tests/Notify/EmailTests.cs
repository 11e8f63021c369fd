using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace D3kos.Backup.Tests;

/// <summary>
/// Email against a real SMTP server on loopback (aiosmtpd) with STARTTLS and a password: a message once when
/// a condition begins and once when it ends, kept in the outbox while the server is down; a wrong password
/// as one sentence; the password in no log, no outbox and no backup.
/// </summary>
public sealed class EmailTests : IDisposable
{
    // The account the test's mail server accepts; the boat signs in with it over STARTTLS.
    private const string User = "skipper";
    private const string Password = "right-horse-battery-staple";

    private readonly BoatRoot _boat = new();

    /// <summary>Every log line the library writes, to show the password is in none.</summary>
    private readonly FakeLoggerProvider _logs = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<SmtpServer> ServerAsync()
    {
        Assert.SkipWhen(SmtpServer.Unavailable is not null, $"The email tests need {SmtpServer.Unavailable}.");
        return await SmtpServer.StartAsync(User, Password, startTls: true);
    }

    private (BackupManager Manager, AutomaticBackups Automatic, BackupConditions Conditions, EmailSender Email, ServiceProvider Services) Library(
        SmtpServer server, params (string Key, string? Value)[] more)
    {
        var (manager, services) = Tests.Library.Create(_boat.Settings([.. Settings(server).Select(p => (p.Key, (string?)p.Value)), .. more]), logs: _logs);
        return (manager, services.GetRequiredService<AutomaticBackups>(), services.GetRequiredService<BackupConditions>(),
            services.GetRequiredService<EmailSender>(), services);
    }

    private static Dictionary<string, string> Settings(SmtpServer server) => new()
    {
        ["Notify:SignalK:Enabled"] = "false",
        ["Notify:Email:Host"] = "127.0.0.1",
        ["Notify:Email:Port"] = $"{server.Port}",
        ["Notify:Email:Security"] = "starttls",
        ["Notify:Email:CertificateSha256"] = server.CertificateSha256,
        ["Notify:Email:User"] = User,
        ["Notify:Email:From"] = "aurora@boat.example",
        ["Notify:Email:To:0"] = "owner@shore.example",
        ["Notify:Email:BoatName"] = "Aurora",
    };

    private static void SetPassword(ServiceProvider services, string password) =>
        services.GetRequiredService<NotifySecrets>().Set(NotifySecrets.SmtpPassword, password);

    [Fact]
    public async Task A_condition_that_begins_while_the_mail_server_is_down_arrives_once_when_it_is_back_and_its_end_once_too()
    {
        using var server = await ServerAsync();
        var (_, automatic, conditions, email, services) = Library(server, ("Backup:FreeSpaceMarginBytes", "1000000000000000"));
        using (services)
        {
            SetPassword(services, Password);
            server.Stop();
            automatic.Start();
            await automatic.RunAsync(Token);

            await email.NotifyAsync(conditions.Current(Token), Token);
            await email.NotifyAsync(conditions.Current(Token), Token);

            var waiting = email.State();
            Assert.Equal(2, waiting.Waiting);
            Assert.Equal($"The mail server 127.0.0.1:{server.Port} could not be reached (ConnectionRefused): the boat may be offline or the address wrong; messages wait in the outbox.", waiting.LastError);

            await server.StartAgainAsync();
            await email.NotifyAsync(conditions.Current(Token), Token);
            await email.NotifyAsync(conditions.Current(Token), Token);

            Assert.Equal(2, server.Messages.Count);
            Assert.Single(Subjects(server), s => s.StartsWith("[Aurora] Warning: The last automatic backup failed: Not enough free space", StringComparison.Ordinal));
            Assert.Single(Subjects(server), s => s.StartsWith("[Aurora] Warning: The card has", StringComparison.Ordinal));
            Assert.All(server.Messages, m => Assert.Contains("What to do: ", m, StringComparison.Ordinal));
            Assert.Equal(0, email.State().Waiting);
            Assert.Null(email.State().LastError);
        }

        // A new process (the service restarted) with room again: both conditions end, each told once.
        var (_, automaticAgain, conditionsAgain, emailAgain, servicesAgain) = Library(server);
        using (servicesAgain)
        {
            await automaticAgain.RunAsync(Token);
            await emailAgain.NotifyAsync(conditionsAgain.Current(Token), Token);
            await emailAgain.NotifyAsync(conditionsAgain.Current(Token), Token);
        }
        Assert.Equal(4, server.Messages.Count);
        Assert.Equal(2, Subjects(server).Count(s => s.StartsWith("[Aurora] Resolved: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_condition_that_comes_and_goes_while_offline_leaves_at_most_the_newest_hundred_messages()
    {
        var outbox = new EmailOutbox(new NotifySecrets(new BackupPaths(new Common.Files.D3kosRoot(_boat.Root.Path),
            Microsoft.Extensions.Options.Options.Create(new BackupOptions()))), TimeProvider.System);
        var low = new Condition("freeSpaceLow", Condition.Warn, "The card is nearly full.", "Make room.");

        for (var round = 0; round < 60; round++)
        {
            outbox.Record([low], "Aurora");
            outbox.Record([], "Aurora");
        }

        var waiting = outbox.Read().Waiting;
        Assert.Equal(EmailOutbox.MaxWaiting, waiting.Count);
        Assert.StartsWith("[Aurora] Resolved: ", waiting[^1].Subject, StringComparison.Ordinal);
        Assert.StartsWith("[Aurora] Warning: ", waiting[^2].Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_the_server_refuses_for_good_is_dropped_and_the_ones_behind_it_still_go()
    {
        using var server = await ServerAsync();
        var (_, automatic, conditions, email, services) = Library(server, ("Backup:FreeSpaceMarginBytes", "1000000000000000"));
        using (services)
        {
            SetPassword(services, Password);
            server.Stop();
            server.RefuseContaining = "The last automatic backup failed";
            automatic.Start();
            await automatic.RunAsync(Token);
            await email.NotifyAsync(conditions.Current(Token), Token); // both wait: the server is down
            await server.StartAgainAsync();

            await email.NotifyAsync(conditions.Current(Token), Token);

            Assert.StartsWith("[Aurora] Warning: The card has", Assert.Single(Subjects(server)), StringComparison.Ordinal);
            Assert.Equal(0, email.State().Waiting);
            var dropped = Assert.Single(_logs.Collector.GetSnapshot(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Error);
            Assert.Contains($"The mail server 127.0.0.1:{server.Port} refused a message for good, so it was dropped: ", dropped.Message, StringComparison.Ordinal);
            Assert.Contains("The last automatic backup failed", dropped.Message, StringComparison.Ordinal); // which one, by its subject
        }
    }

    [Fact]
    public async Task A_wrong_password_is_one_clear_sentence_and_the_password_is_in_no_log_outbox_or_backup()
    {
        using var server = await ServerAsync();
        var (manager, automatic, conditions, email, services) = Library(server,
            ("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/d3kos-usb"), ("Backup:Targets:0:Encrypt", "false"));
        using var _ = services;
        const string wrong = "wrong-horse-battery-staple";
        SetPassword(services, wrong);

        var why = await email.SendTestAsync(Token);

        Assert.Equal($"The mail server 127.0.0.1:{server.Port} refused the user name or password for 'skipper': check Notify:Email:User and set the password again ('sudo d3kos-backup email password').", why);
        automatic.Start();
        var backup = manager.Create(cancellationToken: Token);
        await Assert.ThrowsAsync<BackupException>(() => services.GetRequiredService<BackupCopier>().CopyAsync(backup.FileName, "usb", null, Token));
        await email.NotifyAsync(conditions.Current(Token), Token);
        Assert.Equal(why, email.State().LastError);
        Assert.Empty(server.Messages);

        var logged = _logs.Collector.GetSnapshot();
        Assert.Contains(logged, record => record.Message.Contains("refused the user name or password", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, record => record.Message.Contains(wrong, StringComparison.Ordinal) || (record.Exception?.ToString().Contains(wrong, StringComparison.Ordinal) ?? false));
        var secrets = services.GetRequiredService<NotifySecrets>();
        Assert.DoesNotContain(wrong, File.ReadAllText(secrets.FileOf("email-outbox.json")), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secrets.FileOf(NotifySecrets.SmtpPassword)));
        var after = manager.Create(cancellationToken: Token);
        Assert.DoesNotContain(wrong, GzipFile.ReadAllText(after.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_sends_a_test_email_over_starttls_and_says_plainly_when_the_password_is_wrong()
    {
        using var server = await ServerAsync();
        var environment = Settings(server).ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value);

        var set = Cli(environment, Password + "\n", "email", "password");
        var sent = Cli(environment, "", "email", "test");

        Assert.Equal(0, set.Code);
        Assert.Equal(0, sent.Code);
        Assert.Equal("Sent: the mail server took the test email for owner@shore.example.", sent.Out.Trim());
        var message = Assert.Single(server.Messages);
        Assert.Equal(["[Aurora] Test email from d3kOS"], Subjects(server));

        Cli(environment, "not-the-password\n", "email", "password");
        var refused = Cli(environment, "", "email", "test");

        Assert.Equal(11, refused.Code);
        Assert.Equal($"Error: The test email was not sent. The mail server 127.0.0.1:{server.Port} refused the user name or password for 'skipper': check Notify:Email:User and set the password again ('sudo d3kos-backup email password').",
            refused.Error.Trim());
        Assert.DoesNotContain("not-the-password", refused.Out + refused.Error, StringComparison.Ordinal);
    }

    /// <summary>The subjects as a mail program shows them (MimeKit unfolds and decodes the long ones).</summary>
    private static List<string> Subjects(SmtpServer server) =>
        [.. server.Messages.Select(m => MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m))).Subject ?? "")];

    private (int Code, string Out, string Error) Cli(Dictionary<string, string> environment, string stdin, params string[] args)
    {
        using var process = CliProcess.Start(_boat, environment, args);
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Token);
        var error = process.StandardError.ReadToEndAsync(Token);
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    public void Dispose()
    {
        _logs.Dispose();
        _boat.Dispose();
    }
}
