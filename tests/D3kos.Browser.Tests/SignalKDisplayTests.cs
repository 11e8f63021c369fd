using D3kos.Testing;
using OpenQA.Selenium;

namespace D3kos.Browser.Tests;

/// <summary>
/// A d3kOS alarm where the helm's displays look: the real Signal K server's own web UI (its data browser), fed
/// by the real backup API's watcher, in headless Chromium, photographed into artifacts/screenshots.
/// </summary>
public sealed partial class OwnerPageTests
{
    [Fact]
    public async Task A_d3kos_warning_shows_in_the_Signal_K_servers_own_data_browser()
    {
        Assert.SkipWhen(SignalKServer.Unavailable is not null, $"The Signal K display test needs {SignalKServer.Unavailable}.");
        var browser = Browser();
        await using var signalK = await SignalKServer.StartAsync(security: false);
        using var boat = new TempRoot();
        // A margin no card has: the next backup will not fit, which is freeSpaceLow from the first look on.
        await helm.StartSeparateBackupApiAsync(boat, new()
        {
            ["Backup__ServiceCommand"] = "/bin/true",
            ["Backup__FreeSpaceMarginBytes"] = "1000000000000000",
            ["Backup__Conditions__CheckInterval"] = "00:00:01",
            ["Notify__SignalK__Url"] = signalK.Url,
        });
        await Eventually.TrueAsync(async () => (await signalK.NotificationAsync("freeSpaceLow"))?.GetProperty("state").GetString() == "warn",
            "freeSpaceLow raised on Signal K", TimeSpan.FromSeconds(60));

        browser.Navigate().GoToUrl($"{signalK.Url}/admin/#/databrowser");
        Until(browser, b => b.FindElement(By.TagName("body")).Text.Contains("notifications.d3kos.freeSpaceLow", StringComparison.Ordinal), "the d3kOS notification in the data browser");
        var shown = browser.FindElement(By.TagName("body")).Text;
        Screenshot(browser, "signalk-data-browser-d3kos-warning.png", 1280);

        Assert.Contains("WARN: The card has", shown, StringComparison.Ordinal); // its state and the message, as a display shows them
    }
}
