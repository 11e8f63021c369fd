using OpenQA.Selenium;

namespace D3kos.Browser.Tests;

/// <summary>The accessibility audit: axe-core on every state of the page the browser tests reach.</summary>
public sealed partial class OwnerPageTests
{
    [Fact]
    public async Task Axe_core_finds_nothing_serious_or_critical_in_any_state_of_the_page()
    {
        var found = new List<AxeViolation>();
        var states = new List<string>();
        void Audit(IWebDriver browser, string state)
        {
            states.Add(state);
            found.AddRange(AxeAudit.Run(browser, state));
        }
        var guest = Browser();
        // The audit can fail: a page without a language (the stand-in hostile site's) is a serious violation.
        guest.Navigate().GoToUrl($"{helm.HostileSite}/");
        var control = AxeAudit.Run(guest, "control page");
        guest.Navigate().GoToUrl($"{helm.Helm}/d3kos/");
        Until(guest, b => b.FindElement(By.Id("sign-in")).Displayed, "the sign-in form");
        Audit(guest, "signed out");
        var browser = await SignedInAsync();
        Until(browser, b => b.FindElements(By.CssSelector("#summary-items li")).Count > 0, "the summary");
        Audit(browser, "backups list");
        browser.FindElement(By.Id("create")).Click();
        Until(browser, b => b.FindElement(By.Id("activity")).Displayed, "the running job");
        Audit(browser, "running job");
        Until(browser, b => Text(b, "activity-text").StartsWith("Backup created", StringComparison.Ordinal), "the job's end");
        Audit(browser, "job finished");
        browser.FindElement(By.CssSelector("#backups tbody tr[data-file] button.danger")).Click();
        Until(browser, b => b.FindElement(By.Id("confirm-dialog")).Displayed, "the delete dialog");
        Audit(browser, "a dialog");
        browser.FindElement(By.CssSelector("#confirm-form button[value=cancel]")).Click();
        browser.ExecuteScript("document.getElementById('csv-from').value = '2026-05-02'; document.getElementById('csv-to').value = '2026-05-01';");
        browser.FindElement(By.CssSelector("#csv-form button[type=submit]")).Click();
        Until(browser, b => Text(b, "message").Contains("after", StringComparison.Ordinal), "the error for From after To");
        Audit(browser, "an error");
        browser.FindElement(By.Id("pair")).Click();
        Until(browser, b => b.FindElement(By.CssSelector("#pair-qr:not([hidden]) svg")), "the QR code");
        Audit(browser, "pairing QR code");
        browser.FindElement(By.Id("night")).Click();
        Audit(browser, "night mode");
        var phone = await SignedInAsync(390, 844);
        Until(phone, b => b.FindElements(By.CssSelector("#summary-items li")).Count > 0, "the summary");
        Audit(phone, "phone cards");

        var figure = AxeAudit.Figure(states, found);
        TestContext.Current.TestOutputHelper?.WriteLine(figure);
        var folder = Directory.CreateDirectory(Path.Combine(helm.Repo, "artifacts")).FullName;
        File.WriteAllText(Path.Combine(folder, "axe-figure.txt"), figure + "\n");
        Assert.Contains(control, v => v.Rule == "html-has-lang" && v.Impact == "serious");
        Assert.True(!found.Any(v => v.Impact is "serious" or "critical"), $"axe-core found serious or critical violations:\n{figure}");
    }
}
