using System.Text.Json;
using D3kos.Testing;

namespace D3kos.Backup.Tests;

/// <summary>
/// The backup API as it runs on the boat: its watcher brings a real Signal K server in line with the
/// conditions by itself, and `status` carries the problems, the Signal K link and email as the page shows them.
/// </summary>
public sealed class ProblemsStatusTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failed_copy_is_in_status_and_reaches_signal_k_without_anyone_asking()
    {
        Assert.SkipWhen(SignalKServer.Unavailable is not null, $"This test needs {SignalKServer.Unavailable}.");
        await using var server = await SignalKServer.StartAsync(security: false);
        await using var app = new BackupApiApp(_boat.Settings(
            ("Notify:SignalK:Url", server.Url),
            ("Backup:Conditions:CheckInterval", "00:00:01"),
            ("Backup:Targets:0:Name", "usb"),
            ("Backup:Targets:0:Path", "/media/d3kos-usb"),
            ("Backup:Targets:0:Encrypt", "false")));
        using var client = app.CreateClient();
        var backup = (await client.PostAsync("/api/backup/create", null, Token).OkJsonAsync()).GetProperty("backup_file").GetString();
        using var copy = await client.PostAsync("/api/backup/copy", JsonContent(new { backup_file = backup, target = "usb" }), Token);
        Assert.False(copy.IsSuccessStatusCode);

        await Eventually.TrueAsync(async () => (await server.NotificationAsync("copyFailed.usb"))?.GetProperty("state").GetString() == "warn",
            "copyFailed.usb raised on Signal K by the watcher", TimeSpan.FromSeconds(20));
        // The link says "connected" once the look that raised it has ended, a moment after Signal K shows it.
        var status = default(JsonElement);
        await Eventually.TrueAsync(async () =>
        {
            status = await client.GetAsync("/api/backup/status", Token).OkJsonAsync();
            return status.GetProperty("signal_k").GetProperty("state").GetString() == "connected";
        }, "the status to say Signal K is connected", TimeSpan.FromSeconds(20));

        var problem = Assert.Single(status.GetProperty("problems").EnumerateArray());
        Assert.Equal("copyFailed.usb", problem.GetProperty("id").GetString());
        Assert.Equal("warn", problem.GetProperty("severity").GetString());
        Assert.StartsWith("The last copy to 'usb' failed: ", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("what_to_do").GetString()));
        Assert.Equal("connected", status.GetProperty("signal_k").GetProperty("state").GetString());
        Assert.False(status.GetProperty("email").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task The_test_email_without_email_set_up_answers_plainly_that_it_was_not_sent()
    {
        await using var app = new BackupApiApp(_boat.Settings(("Notify:SignalK:Enabled", "false")));
        using var client = app.CreateClient();

        using var answer = await client.PostAsync("/api/backup/email/test", null, Token);

        await Json.AssertProblemAsync(answer, 400, "The test email was not sent. Email is not set up: set Notify:Email:Host, From and To in /etc/d3kos/backup.json.");
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    public void Dispose() => _boat.Dispose();
}
