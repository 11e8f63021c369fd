using System.Text.Json;
using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace D3kos.Backup.Tests;

/// <summary>
/// The conditions on a real Signal K server (signalk-server 2.23.0, headless on loopback), read back from
/// its REST API: raised when they begin, not sent again while they hold, set back to normal when they end,
/// raised again after Signal K restarts, and security's access request approved through its admin API.
/// </summary>
public sealed class SignalKTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly BoatRoot _boat = new();
    private readonly FakeTimeProvider _time = new(Start);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<SignalKServer> ServerAsync(bool security)
    {
        Assert.SkipWhen(SignalKServer.Unavailable is not null, $"The Signal K tests need {SignalKServer.Unavailable}.");
        return await SignalKServer.StartAsync(security);
    }

    private (BackupManager Manager, AutomaticBackups Automatic, BackupConditions Conditions, SignalKLink Link, ServiceProvider Services) Library(
        SignalKServer server, params (string Key, string? Value)[] more)
    {
        var (manager, services) = Tests.Library.Create(_boat.Settings([
            ("Notify:SignalK:Url", server.Url),
            ("Backup:Targets:0:Name", "usb"),
            ("Backup:Targets:0:Path", "/media/d3kos-usb"),
            ("Backup:Targets:0:Encrypt", "false"),
            .. more]), _time);
        return (manager, services.GetRequiredService<AutomaticBackups>(), services.GetRequiredService<BackupConditions>(),
            services.GetRequiredService<SignalKLink>(), services);
    }

    private static async Task<SignalKState> SyncAsync(BackupConditions conditions, SignalKLink link) =>
        await link.SyncAsync(conditions.Current(Token), Token);

    private static string State(JsonElement? notification) => notification?.GetProperty("state").GetString() ?? "(none)";

    [Fact]
    public async Task A_condition_is_raised_once_is_not_sent_again_while_it_holds_and_is_set_back_to_normal_when_it_ends()
    {
        await using var server = await ServerAsync(security: false);
        var (_, automatic, conditions, link, services) = Library(server, ("Backup:FreeSpaceMarginBytes", "1000000000000000"));
        using (services)
        {
            automatic.Start();
            await automatic.RunAsync(Token);

            Assert.Equal("connected", (await SyncAsync(conditions, link)).State);

            var raised = await server.NotificationAsync("backupFailed");
            Assert.Equal("warn", State(raised));
            var expected = conditions.Current(Token).Single(c => c.Id == "backupFailed");
            Assert.Equal(expected.Text, raised!.Value.GetProperty("message").GetString());
            Assert.Equal("warn", State(await server.NotificationAsync("freeSpaceLow")));
            var before = await server.RawAsync("backupFailed");

            await SyncAsync(conditions, link);
            await SyncAsync(conditions, link);

            // Not sent again: Signal K stamps every update it receives, and the stamp has not moved.
            Assert.Equal(before, await server.RawAsync("backupFailed"));
        }

        var (_, automaticAgain, conditionsAgain, linkAgain, servicesAgain) = Library(server);
        using (servicesAgain)
        {
            await automaticAgain.RunAsync(Token);
            await SyncAsync(conditionsAgain, linkAgain);

            Assert.Equal("normal", State(await server.NotificationAsync("backupFailed")));
            Assert.Equal("normal", State(await server.NotificationAsync("freeSpaceLow")));
            var cleared = await server.RawAsync("backupFailed");
            await SyncAsync(conditionsAgain, linkAgain);
            Assert.Equal(cleared, await server.RawAsync("backupFailed"));
        }
    }

    [Fact]
    public async Task A_display_on_the_websocket_stream_sees_one_raise_and_one_clear_however_often_the_link_looks()
    {
        await using var server = await ServerAsync(security: false);
        await using var display = await SignalKStream.OpenAsync(server.Url);
        var (manager, automatic, conditions, link, services) = Library(server);
        using var _ = services;
        automatic.Start();
        var backup = manager.Create(cancellationToken: Token);
        var copier = services.GetRequiredService<BackupCopier>();
        await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, Token));

        for (var look = 0; look < 5; look++)
        {
            await SyncAsync(conditions, link);
        }
        await Eventually.TrueAsync(() => display.StatesOf("copyFailed.usb").Count > 0, "the raise on the stream");

        // The owner plugs the stick in and copies again: the condition ends.
        using var drive = MountedDrive.Image(_boat.Root.At("/media/d3kos-usb"), "ext4", megabytes: 32);
        await copier.CopyAsync(backup.FileName, "usb", null, Token);
        for (var look = 0; look < 5; look++)
        {
            await SyncAsync(conditions, link);
        }
        await Eventually.TrueAsync(() => display.StatesOf("copyFailed.usb").Contains("normal"), "the clear on the stream");
        await SyncAsync(conditions, link);

        Assert.Equal(["warn", "normal"], display.StatesOf("copyFailed.usb"));
    }

    [Fact]
    public async Task Every_condition_reaches_signal_k_under_its_own_path_with_its_severity()
    {
        await using var server = await ServerAsync(security: false);
        var (manager, automatic, conditions, link, services) = Library(server);
        using var _ = services;
        automatic.Start();
        var backup = manager.Create(cancellationToken: Token);
        await Assert.ThrowsAsync<BackupException>(() => services.GetRequiredService<BackupCopier>().CopyAsync(backup.FileName, "usb", null, Token));
        var config = manager.Paths.Sources.Single(s => s.PiPath == "/opt/d3kos/config");
        var swap = SourceSwap.Plan(config, "crashed");
        CutOffRestore.SetAside(config, swap, "license.json", "{\"from\":\"the backup\"}");
        CutOffRestore.WriteJournal(manager, "swapping", [swap]);
        manager.RecoverAfterCrash();
        _time.Advance(TimeSpan.FromDays(15));

        await SyncAsync(conditions, link);

        Assert.Equal("alarm", State(await server.NotificationAsync("backupOverdue")));
        Assert.Equal("warn", State(await server.NotificationAsync("copyFailed.usb")));
        Assert.Equal("warn", State(await server.NotificationAsync("copyOverdue.usb")));
        // The restore's news is shown for a day only: fifteen days on it is over, and it was never sent.
        Assert.Null(await server.NotificationAsync("restoreRecovered"));
    }

    [Fact]
    public async Task A_restore_settled_at_start_is_an_alert_on_signal_k()
    {
        await using var server = await ServerAsync(security: false);
        var (manager, _, conditions, link, services) = Library(server);
        using var _ = services;
        manager.Create(cancellationToken: Token);
        var config = manager.Paths.Sources.Single(s => s.PiPath == "/opt/d3kos/config");
        var swap = SourceSwap.Plan(config, "crashed");
        Directory.CreateDirectory(swap.Staged);
        CutOffRestore.WriteJournal(manager, "staging", [swap]);
        manager.RecoverAfterCrash();

        await SyncAsync(conditions, link);

        var told = await server.NotificationAsync("restoreRecovered");
        Assert.Equal("alert", State(told));
        Assert.Contains("was stopped before anything changed", told!.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signal_k_restart_in_the_middle_gets_the_current_state_again_and_one_that_began_while_it_was_down()
    {
        await using var server = await ServerAsync(security: false);
        var (manager, automatic, conditions, link, services) = Library(server, ("Backup:Conditions:BackupMaxAgeDays", "2"));
        using var _ = services;
        automatic.Start();
        var backup = manager.Create(cancellationToken: Token);
        await Assert.ThrowsAsync<BackupException>(() => services.GetRequiredService<BackupCopier>().CopyAsync(backup.FileName, "usb", null, Token));
        await SyncAsync(conditions, link);
        Assert.Equal("warn", State(await server.NotificationAsync("copyFailed.usb")));

        server.Stop();
        _time.Advance(TimeSpan.FromDays(3));
        var down = await SyncAsync(conditions, link);
        Assert.Equal("not_reachable", down.State);
        Assert.StartsWith($"Signal K not reachable at {server.Url}: ", down.Sentence, StringComparison.Ordinal);
        Assert.Equal("not_reachable", link.State.State);

        await server.RestartAsync();
        Assert.Null(await server.NotificationAsync("copyFailed.usb"));
        Assert.Equal("connected", (await SyncAsync(conditions, link)).State);

        Assert.Equal("warn", State(await server.NotificationAsync("copyFailed.usb")));
        Assert.Equal("alarm", State(await server.NotificationAsync("backupOverdue")));
    }

    [Fact]
    public async Task With_security_it_asks_once_waits_for_the_owners_approval_then_keeps_the_token_0600_outside_the_backups()
    {
        await using var server = await ServerAsync(security: true);
        var (_, automatic, conditions, link, services) = Library(server, ("Backup:FreeSpaceMarginBytes", "1000000000000000"));
        using var _ = services;
        automatic.Start();
        await automatic.RunAsync(Token);

        var waiting = await SyncAsync(conditions, link);
        Assert.Equal("waiting_for_approval", waiting.State);
        Assert.Contains("approve 'd3kOS backups", waiting.Sentence, StringComparison.Ordinal);
        Assert.Equal("waiting_for_approval", (await SyncAsync(conditions, link)).State);
        Assert.Equal(1, await server.PendingRequestsAsync());
        Assert.Null(await server.NotificationAsync("backupFailed"));

        await server.AnswerRequestAsync(approve: true);
        Assert.Equal("connected", (await SyncAsync(conditions, link)).State);

        Assert.Equal("warn", State(await server.NotificationAsync("backupFailed")));
        var token = _boat.Root.At("/var/lib/d3kos/notify/signalk-token");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(token));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(token)!));
        var secret = File.ReadAllText(token);
        var (roomy, _, _, _, roomyServices) = Library(server);
        using var __ = roomyServices;
        var archive = roomy.Create(cancellationToken: Token);
        Assert.DoesNotContain(BoatRoot.Tar("-tzf", archive.Path).Split('\n'), name => name.Contains("notify", StringComparison.Ordinal));
        Assert.DoesNotContain(secret, GzipFile.ReadAllText(archive.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_the_server_refuses_is_dropped_access_is_asked_again_and_the_state_says_so()
    {
        await using var server = await ServerAsync(security: true);
        var (manager, automatic, conditions, link, services) = Library(server);
        using var _ = services;
        automatic.Start();
        var backup = manager.Create(cancellationToken: Token);
        await Assert.ThrowsAsync<BackupException>(() => services.GetRequiredService<BackupCopier>().CopyAsync(backup.FileName, "usb", null, Token));
        await SyncAsync(conditions, link);
        await server.AnswerRequestAsync(approve: true);
        Assert.Equal("connected", (await SyncAsync(conditions, link)).State);

        await server.RemoveDevicesAsync();
        var asked = await SyncAsync(conditions, link);

        Assert.Equal("waiting_for_approval", asked.State);
        Assert.StartsWith("Signal K no longer accepted d3kOS's token, so d3kOS asked for access again.", asked.Sentence, StringComparison.Ordinal);
        Assert.False(File.Exists(_boat.Root.At("/var/lib/d3kos/notify/signalk-token")));
        Assert.Equal(1, await server.PendingRequestsAsync());
        await server.AnswerRequestAsync(approve: true);
        Assert.Equal("connected", (await SyncAsync(conditions, link)).State);

        // A restart keeps the device (its security file) and the token stays good: no new request.
        await server.RestartAsync();
        Assert.Equal("connected", (await SyncAsync(conditions, link)).State);
        Assert.Equal(0, await server.PendingRequestsAsync());
        Assert.Equal("warn", State(await server.NotificationAsync("copyFailed.usb")));
    }

    public void Dispose() => _boat.Dispose();
}
