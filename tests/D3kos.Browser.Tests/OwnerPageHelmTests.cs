using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;

namespace D3kos.Browser.Tests;

/// <summary>
/// The page at the helm: a phone paired by scanning the QR code off the screen, the night palette (red on
/// black, remembered, following the device), the summary at the top, and the main paths by keyboard alone.
/// </summary>
public sealed partial class OwnerPageTests
{
    /// <summary>The pairing QR code as the page shows it, photographed and read as a phone's camera would.</summary>
    private static string ScanPairingQr(ChromeDriver browser)
    {
        browser.FindElement(By.Id("pair")).Click();
        // Photographed until it reads: a loaded machine can paint the code a moment after the element is there,
        // and the page may draw it anew (a palette change), so the element is found again for each picture.
        return Until(browser, b => ScreenImage.FromPng(((ITakesScreenshot)b.FindElement(By.CssSelector("#pair-qr:not([hidden]) svg"))).GetScreenshot().AsByteArray).QrText(),
            "a QR code that reads in the picture of the page's")!;
    }

    [Fact]
    public async Task The_qr_code_on_the_page_signs_a_second_browser_in()
    {
        var helmBrowser = await SignedInAsync();

        var scanned = ScanPairingQr(helmBrowser);
        var phone = Browser(390, 844);
        phone.Navigate().GoToUrl(scanned);
        Until(phone, b => b.FindElement(By.Id("owner")).Displayed, "the phone signed in by the scanned link");

        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(helm.Helm)}/d3kos/#pair=[A-Za-z0-9_-]{{22}}$", scanned);
        Assert.Contains(scanned, Text(helmBrowser, "pair-link"), StringComparison.Ordinal); // the link beside it is the same
        Assert.Matches(@"Valid (9|10) minutes", Text(helmBrowser, "pair-link"));
        Assert.DoesNotContain("pair=", phone.Url, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Night_mode_is_red_on_black_remembered_and_its_qr_code_still_scans(string name, int width, int height)
    {
        var browser = await SignedInAsync(width, height);
        Until(browser, b => b.FindElements(By.CssSelector("#summary-items li")).Count > 0, "the summary");

        browser.FindElement(By.Id("night")).Click();
        var scanned = ScanPairingQr(browser);
        browser.Navigate().Refresh(); // remembered on this device
        Until(browser, b => b.FindElement(By.Id("owner")).Displayed && b.FindElements(By.CssSelector("#summary-items li")).Count > 0, "the page again");
        var remembered = (string)browser.ExecuteScript("return document.documentElement.dataset.palette;")!;
        browser.FindElement(By.Id("pair")).Click();
        Until(browser, b => b.FindElement(By.CssSelector("#pair-qr:not([hidden]) svg")), "the QR code again");
        // A dialog, the progress bar and a focus ring in the picture too.
        browser.FindElement(By.Id("create")).Click();
        Until(browser, b => Text(b, "activity-text").StartsWith("Backup created", StringComparison.Ordinal), "the backup");
        browser.FindElement(By.Id("refresh")).SendKeys(Keys.Shift + Keys.Tab);
        var picture = ScreenImage.FromPng(File.ReadAllBytes(Screenshot(browser, $"owner-page-night-{name}.png", width)));

        Assert.Equal("night", remembered);
        Assert.StartsWith(helm.Helm, scanned, StringComparison.Ordinal);
        // No white, grey or blue light anywhere: every pixel is a red or black one (a little green or blue
        // below 24 of 255 is the smoothing at the edge of a red letter).
        Assert.Equal(0, picture.PixelsWithGreenOrBlueAbove(24));
    }

    [Fact]
    public async Task The_device_s_dark_setting_chooses_night_until_the_owner_switches()
    {
        var browser = await SignedInAsync(systemDark: true);

        var followed = (string)browser.ExecuteScript("return document.documentElement.dataset.palette;")!;
        var pressed = browser.FindElement(By.Id("night")).GetAttribute("aria-pressed");
        browser.FindElement(By.Id("night")).Click();

        Assert.Equal("night", followed);
        Assert.Equal("true", pressed);
        Assert.Equal("day", (string)browser.ExecuteScript("return document.documentElement.dataset.palette;")!);
    }

    [Fact]
    public async Task The_summary_answers_first_in_words_with_ages_and_what_to_do()
    {
        var browser = await SignedInAsync();
        browser.FindElement(By.Id("create")).Click();
        Until(browser, b => Text(b, "activity-text").StartsWith("Backup created", StringComparison.Ordinal), "a backup made now");
        // An export the central refuses (503): it waits to reach shore, and the summary says what to do.
        browser.FindElement(By.Id("generate")).Click();
        Until(browser, b => b.FindElements(By.CssSelector("#queue tbody tr[data-id]")).Count > 0, "the new export in the queue");
        browser.FindElement(By.Id("process")).Click();
        Until(browser, b => Text(b, "summary").Contains("waiting to reach shore", StringComparison.Ordinal), "the waiting export in the summary");

        var summary = Text(browser, "summary");
        var firstSection = (string)browser.ExecuteScript("return document.querySelector('#owner > section').id;")!;

        Assert.Equal("summary", firstSection);
        Assert.Contains("every day, ship's time", summary, StringComparison.Ordinal); // "At 03:30, every day", not "30 3 * * *"
        Assert.DoesNotContain("30 3 * * *", summary, StringComparison.Ordinal);
        Assert.Matches(@"The newest backup was made (just now|\d+ \w+ ago) \(", summary); // its age, then its date
        Assert.Matches(@"next (in \d+ \w+|tomorrow)", summary);
        Assert.Contains("What to do: They are tried again on their own", summary, StringComparison.Ordinal);
        Assert.Matches(@"Not yet: \d+ things? needs? doing", Text(browser, "summary-verdict"));
        // The helm stack's exports go to a central on loopback, not to a folder on the Pi: said so above the queue.
        browser.FindElement(By.Id("refresh")).Click();
        Until(browser, b => Text(b, "queue-stats").StartsWith("Exports go to shore. Sent ", StringComparison.Ordinal), "where exports go, above the queue");
    }

    /// <summary>Presses Tab until <paramref name="selector"/> has the focus; its focus ring must then show.</summary>
    private static IWebElement TabTo(ChromeDriver browser, string selector)
    {
        for (var presses = 0; presses < 300; presses++)
        {
            if ((bool)browser.ExecuteScript("return document.activeElement.matches(arguments[0]);", selector)!)
            {
                var ring = (string)browser.ExecuteScript("""
                    const s = getComputedStyle(document.activeElement);
                    return document.activeElement.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineColor : '';
                    """)!;
                Assert.True(ring != "", $"{selector} has the keyboard's focus but no visible focus ring");
                return browser.SwitchTo().ActiveElement();
            }
            new Actions(browser).SendKeys(Keys.Tab).Perform();
        }
        throw new InvalidOperationException($"Tab never reached {selector}");
    }

    private static string FocusRingColour(IWebDriver browser) =>
        (string)((IJavaScriptExecutor)browser).ExecuteScript("return getComputedStyle(document.activeElement).outlineColor;")!;

    [Fact]
    public async Task Create_download_restore_and_pair_work_by_keyboard_alone_with_the_focus_shown_in_both_palettes()
    {
        var browser = await SignedInAsync();
        var before = helm.Backups();
        var keys = new Actions(browser);

        TabTo(browser, "#create");
        var dayRing = FocusRingColour(browser);
        keys.SendKeys(Keys.Enter).Perform();
        Until(browser, b => Text(b, "activity-text").StartsWith("Backup created", StringComparison.Ordinal), "the backup made by keyboard");
        var made = Assert.Single(helm.Backups().Except(before), n => !n.StartsWith("d3kos_auto_", StringComparison.Ordinal));
        Until(browser, b => b.FindElement(By.CssSelector($"#backups tr[data-file='{made}']")), "the new row");
        TabTo(browser, $"#backups tr[data-file='{made}'] a");
        keys.SendKeys(Keys.Enter).Perform();
        var downloaded = Downloaded(made);
        TabTo(browser, $"#backups tr[data-file='{made}'] button[aria-label='Restore {made}']");
        keys.SendKeys(Keys.Enter).Perform();
        Until(browser, b => b.SwitchTo().ActiveElement().GetAttribute("id") == "confirm-word", "the typed confirmation to take the focus");
        keys.SendKeys("restore" + Keys.Enter).Perform();
        Until(browser, b => Text(b, "activity-text").StartsWith("Restored", StringComparison.Ordinal) && Text(b, "activity-result").Contains(", written.", StringComparison.Ordinal),
            "the restore by keyboard, and its safety backup");
        // Night, by keyboard too: the focus ring is then red.
        browser.ExecuteScript("document.activeElement.blur();");
        TabTo(browser, "#night");
        keys.SendKeys(Keys.Enter).Perform();
        TabTo(browser, "#pair");
        var nightRing = FocusRingColour(browser);
        keys.SendKeys(Keys.Enter).Perform();
        Until(browser, b => b.FindElement(By.CssSelector("#pair-qr:not([hidden]) svg")), "the QR code made by keyboard");

        Assert.Equal(File.ReadAllBytes(Path.Combine(helm.BackupsFolder, made)), File.ReadAllBytes(downloaded));
        Assert.Matches(@"Files restored: [1-9]\d*", Text(browser, "activity-result"));
        Assert.NotEqual("rgb(255, 0, 0)", dayRing);
        Assert.Equal("rgb(255, 0, 0)", nightRing);
    }
}
