using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace D3kos.Browser.Tests;

/// <summary>The browsers the owner's page tests drive, and what they wait for and look at.</summary>
public sealed partial class OwnerPageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>The helm's tablet or laptop, and a phone: every picture and layout check is made at both.</summary>
    public static TheoryData<string, int, int> Screens => new() { { "desktop", 1280, 900 }, { "phone", 390, 844 } };

    private readonly string _downloads = Directory.CreateTempSubdirectory("d3kos-downloads-").FullName;
    private readonly List<ChromeDriver> _browsers = [];

    private ChromeDriver Browser(int width = 1280, int height = 900, bool systemDark = false)
    {
        Assert.SkipWhen(helm.Unavailable is not null, $"The browser run needs {helm.Unavailable}.");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(HelmStack.ChromeDriver)!, Path.GetFileName(HelmStack.ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = HelmStack.Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", $"--window-size={width},{height}");
        options.AddUserProfilePreference("download.default_directory", _downloads);
        options.AddUserProfilePreference("download.prompt_for_download", false);
        var browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
        _browsers.Add(browser);
        browser.ExecuteCdpCommand("Browser.setDownloadBehavior", new Dictionary<string, object?> { ["behavior"] = "allow", ["downloadPath"] = _downloads });
        if (width < 500)
        {
            // Chromium keeps a window at least 500 px wide: a phone's screen is emulated, as its developer tools do.
            Emulate(browser, width, height, mobile: true);
        }
        if (systemDark)
        {
            // The device's own dark setting, as a phone switches at sunset.
            browser.ExecuteCdpCommand("Emulation.setEmulatedMedia", new Dictionary<string, object?>
            {
                ["features"] = new[] { new Dictionary<string, object?> { ["name"] = "prefers-color-scheme", ["value"] = "dark" } },
            });
        }
        return browser;
    }

    private async Task<ChromeDriver> SignedInAsync(int width = 1280, int height = 900, bool systemDark = false)
    {
        var browser = Browser(width, height, systemDark);
        var link = await helm.PairingLinkAsync();
        browser.Navigate().GoToUrl(link);
        Until(browser, b => b.FindElement(By.Id("owner")).Displayed, "the owner's page after pairing");
        Until(browser, b => b.FindElements(By.CssSelector("#backups tbody tr")).Count > 0, "the backup list");
        return browser;
    }

    private static T Until<T>(IWebDriver browser, Func<IWebDriver, T> condition, string what)
    {
        var wait = new WebDriverWait(browser, Patience) { Message = $"waiting for {what}" };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }

    private static string Text(IWebDriver browser, string id) => browser.FindElement(By.Id(id)).Text;

    private string Downloaded(string name)
    {
        var path = Path.Combine(_downloads, name);
        var wait = new DefaultWait<string>(path) { Timeout = Patience, Message = $"waiting for the download {name}" };
        wait.Until(p => File.Exists(p) && !Directory.EnumerateFiles(_downloads, "*.crdownload").Any());
        return path;
    }

    /// <summary>
    /// Every shown table cell, by its table and column, whose box is not wholly inside the screen or is cut off by
    /// a scrolling box around its table (the page itself not scrolling sideways is not enough for that).
    /// </summary>
    private static string CellsOutsideTheScreen(IWebDriver browser) => (string)((IJavaScriptExecutor)browser).ExecuteScript("""
        const out = [];
        for (const td of document.querySelectorAll('td, th')) {
          if (!td.getClientRects().length || td.closest('thead')) continue;
          const r = td.getBoundingClientRect();
          let clipped = r.left < -0.5 || r.right > window.innerWidth + 0.5;
          for (let box = td.parentElement; box && !clipped; box = box.parentElement) {
            const style = getComputedStyle(box);
            if (style.overflowX === 'visible') continue;
            const b = box.getBoundingClientRect();
            clipped = r.left < b.left - 0.5 || r.right > b.right + 0.5;
          }
          if (clipped) out.push(`${td.closest('table').id} column ${td.cellIndex + 1} (${Math.round(r.left)}..${Math.round(r.right)})`);
        }
        return out.join(', ');
        """)!;

    /// <summary>The whole page in one picture, into artifacts/screenshots.</summary>
    private string Screenshot(ChromeDriver browser, string file, int width)
    {
        var folder = Directory.CreateDirectory(Path.Combine(helm.Repo, "artifacts", "screenshots")).FullName;
        Emulate(browser, width, (long)browser.ExecuteScript("return document.documentElement.scrollHeight;")!, mobile: width < 500);
        var path = Path.Combine(folder, file);
        browser.GetScreenshot().SaveAsFile(path);
        return path;
    }

    private static void Emulate(ChromeDriver browser, long width, long height, bool mobile) =>
        browser.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
        {
            ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = mobile,
        });

    public void Dispose()
    {
        foreach (var browser in _browsers)
        {
            browser.Quit();
            browser.Dispose();
        }
        Directory.Delete(_downloads, recursive: true);
    }
}
