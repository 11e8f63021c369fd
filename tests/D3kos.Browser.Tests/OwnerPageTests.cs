using System.Net;
using System.Net.Http.Headers;
using CsvHelper;
using D3kos.Testing;
using OpenQA.Selenium;

namespace D3kos.Browser.Tests;

/// <summary>
/// Everything the owner does, done in a real headless Chromium on the page nginx serves: sign in by
/// pairing link, create with progress, download, upload, restore, the CSV, the export queue's errors,
/// and a hostile site's form that must change nothing. Screenshots go to artifacts/screenshots.
/// </summary>
public sealed partial class OwnerPageTests(HelmStack helm) : IClassFixture<HelmStack>, IDisposable
{
    [Fact]
    public async Task A_pairing_link_signs_in_once_and_then_shows_the_sign_in_form()
    {
        var link = await helm.PairingLinkAsync();
        var browser = Browser();

        browser.Navigate().GoToUrl(link);
        Until(browser, b => b.FindElement(By.Id("owner")).Displayed, "the owner's page after pairing");
        var addressAfter = browser.Url;
        browser.Manage().Cookies.DeleteAllCookies();
        browser.Navigate().GoToUrl(link);
        Until(browser, b => b.FindElement(By.Id("sign-in")).Displayed, "the sign-in form");

        Assert.DoesNotContain("pair=", addressAfter, StringComparison.Ordinal); // the code leaves the address bar at once
        Assert.Contains("used already", Text(browser, "message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_shows_progress_to_the_end_and_the_download_is_byte_identical_with_range_by_cookie()
    {
        var browser = await SignedInAsync();
        var before = helm.Backups();

        // Every text the progress line shows, as the page writes it.
        browser.ExecuteScript("""
            window.seen = [];
            const line = document.getElementById('activity-text');
            new MutationObserver(() => window.seen.push(line.textContent)).observe(line, { childList: true, characterData: true, subtree: true });
            """);
        browser.FindElement(By.Id("create")).Click();
        Until(browser, b => Text(b, "activity-text").StartsWith("Backup created", StringComparison.Ordinal), "the backup to be created");
        var seen = ((IEnumerable<object>)browser.ExecuteScript("return window.seen;")!).Select(o => (string)o).ToList();
        var made = Assert.Single(helm.Backups().Except(before), n => !n.StartsWith("d3kos_auto_", StringComparison.Ordinal));
        var progress = browser.FindElement(By.Id("activity-progress"));
        Until(browser, b => b.FindElement(By.CssSelector($"#backups tr[data-file='{made}'] a")), "the new backup in the list").Click();
        var file = Downloaded(made);

        Assert.Equal("100", progress.GetDomProperty("value"));
        // The API's own progress reached the page: bytes of a total while backing up, or the phase after it.
        Assert.Contains(seen, text => System.Text.RegularExpressions.Regex.IsMatch(text, @"^(Backing up: .+ of .+ \(\d+%\)|Finishing the archive…)$"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(helm.BackupsFolder, made)), File.ReadAllBytes(file));
        // The link (cookie and the page's key) does Range through nginx; the cookie alone, as a page on
        // another port of the helm's address would see it, gets nothing.
        var cookie = browser.Manage().Cookies.GetCookieNamed("d3kos_session") ?? throw new InvalidOperationException("No session cookie after pairing.");
        var key = (string)browser.ExecuteScript("return JSON.parse(localStorage.getItem('d3kos-page-keys')).backup;")!;
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{helm.Helm}/api/backup/download/{made}?key={key}");
        request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
        request.Headers.Range = new RangeHeaderValue(100, 1099);
        using var partial = await http.SendAsync(request, TestContext.Current.CancellationToken);
        using var cookieOnly = new HttpRequestMessage(HttpMethod.Get, $"{helm.Helm}/api/backup/download/{made}");
        cookieOnly.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
        using var refused = await http.SendAsync(cookieOnly, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(File.ReadAllBytes(file).AsSpan(100, 1000).ToArray(), await partial.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.True(cookie.IsHttpOnly);
        Assert.Equal("Strict", cookie.SameSite);
    }

    [Fact]
    public async Task Upload_then_restore_with_the_typed_confirmation_shows_what_was_restored()
    {
        // A backup made elsewhere, brought on a laptop: made here with the token, downloaded, then deleted.
        using var http = new HttpClient { BaseAddress = new Uri(helm.Helm), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", helm.Token);
        using var created = await http.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken);
        var name = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("backup_file").GetString()!;
        var laptopCopy = Path.Combine(_downloads, "from-laptop.tar.gz");
        File.WriteAllBytes(laptopCopy, await http.GetByteArrayAsync($"/api/backup/download/{name}", TestContext.Current.CancellationToken));
        (await http.DeleteAsync($"/api/backup/{name}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        // This Pi is a new one since (the old one's card died): its installation id differs from the backup's.
        var license = helm.Root.At("/opt/d3kos/config/license.json");
        var tree = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(license))!;
        var newId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        tree["installation_id"] = newId;
        File.WriteAllText(license, tree.ToJsonString());
        var browser = await SignedInAsync();
        var before = helm.Backups();

        browser.FindElement(By.Id("upload-file")).SendKeys(laptopCopy);
        browser.FindElement(By.CssSelector("#upload-form button[type=submit]")).Click();
        Until(browser, b => Text(b, "activity-text").StartsWith("Uploaded and checked", StringComparison.Ordinal), "the upload to be checked");
        // The copy was made before this Pi took a new installation id: the page says whose it is.
        Assert.Contains("by another installation", Text(browser, "activity-result"), StringComparison.Ordinal);
        var imported = Assert.Single(helm.Backups().Except(before), n => !n.StartsWith("d3kos_auto_", StringComparison.Ordinal));
        Until(browser, b => b.FindElement(By.CssSelector($"#backups tr[data-file='{imported}'] button[aria-label='Restore {imported}']")), "the imported backup's restore button").Click();
        var confirm = browser.FindElement(By.Id("confirm-ok"));
        var disabledBeforeTyping = !confirm.Enabled;
        browser.FindElement(By.Id("confirm-word")).SendKeys("restore");
        confirm.Click();
        // Answered once the services are back; the previous state's safety backup is followed to its end.
        Until(browser, b => Text(b, "activity-text").StartsWith("Restored", StringComparison.Ordinal) && Text(b, "activity-result").Contains(", written.", StringComparison.Ordinal),
            "the restore and its safety backup to end");
        var result = Text(browser, "activity-result");

        Assert.Equal(File.ReadAllBytes(laptopCopy), File.ReadAllBytes(Path.Combine(helm.BackupsFolder, imported)));
        Assert.True(disabledBeforeTyping);
        Assert.Matches(@"Files restored: [1-9]\d*", result);
        Assert.Contains("this one kept its own identity", result, StringComparison.Ordinal);
        Assert.Equal(newId, System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(license))!["installation_id"]!.GetValue<string>());
        // A name takes a suffix when another backup was named in the same second (the upload, on a fast machine).
        Assert.Matches(@"Safety backup of the previous state: d3kos_prerestore_\d{8}_\d{6}(_\d+)?\.tar\.gz, written\.", result);
        // The page is still signed in: the restore kept this Pi's sessions.
        browser.FindElement(By.Id("refresh")).Click();
        Until(browser, b => b.FindElement(By.Id("owner")).Displayed && Text(b, "message").Length == 0, "the page to stay signed in");
    }

    [Fact]
    public async Task The_boat_log_csv_with_dates_and_a_type_downloads_and_parses()
    {
        var browser = await SignedInAsync();

        // The date inputs take the browser's own format; typed through script as the picker would set them.
        browser.ExecuteScript("document.getElementById('csv-from').value = '2026-05-01'; document.getElementById('csv-to').value = '2026-05-01';");
        // The log's own types are offered, with their counts.
        Until(browser, b => b.FindElement(By.CssSelector("#csv-type option[value='position']")), "the log's types in the list").Click();
        browser.FindElement(By.CssSelector("#csv-form button[type=submit]")).Click();
        var csv = Downloaded("boatlog.csv");

        using var reader = CsvReader.Create(File.ReadAllBytes(csv), CsvReaderOptions.Default with { HasHeader = false });
        Assert.True(reader.Read());
        Assert.Equal(["Timestamp", "Type"], [reader.GetString(0), reader.GetString(1)]);
        var rows = new List<(string Timestamp, string Type)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        // The demo log has 300 entries of six types on 2026-05-01: the type filter leaves a part of them.
        Assert.InRange(rows.Count, 1, 299);
        Assert.All(rows, row => Assert.Equal("position", row.Type));
        Assert.All(rows, row => Assert.StartsWith("2026-05-01T", row.Timestamp, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_csv_range_and_an_empty_queue_run_are_said_in_words()
    {
        var browser = await SignedInAsync();

        browser.ExecuteScript("document.getElementById('csv-from').value = '2030-01-01';");
        browser.FindElement(By.CssSelector("#csv-form button[type=submit]")).Click();
        Until(browser, b => Text(b, "message").Contains("nothing to download", StringComparison.Ordinal), "the empty range said in words");
        var said = Text(browser, "message");
        browser.FindElement(By.Id("process")).Click();
        Until(browser, b => Text(b, "queue-stats").StartsWith("Nothing was", StringComparison.Ordinal) || Text(b, "queue-stats").StartsWith("Processed", StringComparison.Ordinal), "the queue run's answer");

        Assert.Contains("The boat log has no entries from 2030-01-01", said, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_downloads)); // no header-only file
        // Nothing due (other tests' exports may wait for their next try): said, not silence.
        Assert.Matches(@"^(Nothing was waiting to be sent: the queue is empty\.|Nothing was due yet: \d+ waiting|Processed \d+)", Text(browser, "queue-stats"));
    }

    [Fact]
    public async Task A_failed_delivery_shows_its_error_in_the_queue_table()
    {
        var browser = await SignedInAsync();

        browser.FindElement(By.Id("generate")).Click();
        Until(browser, b => b.FindElements(By.CssSelector("#queue tbody tr[data-id]")).Count > 0, "the new export in the queue");
        browser.FindElement(By.Id("process")).Click();
        var row = Until(browser, b => b.FindElements(By.CssSelector("#queue tbody tr[data-id]")).FirstOrDefault(r => r.Text.Contains("503", StringComparison.Ordinal))!, "the central's 503 in the queue");

        Assert.Contains("retry", row.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_posted_from_another_site_is_refused_and_changes_nothing()
    {
        var browser = await SignedInAsync();
        var before = helm.Backups();

        browser.Navigate().GoToUrl($"{helm.HostileSite}/form.html");
        Until(browser, b => b.Url.StartsWith(helm.Helm, StringComparison.Ordinal) && b.PageSource.Contains("error", StringComparison.Ordinal), "the helm's answer to the form");

        Assert.Contains("X-D3kos-Request", browser.PageSource, StringComparison.Ordinal);
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Equal(before, helm.Backups());
    }

    [Fact]
    public async Task Cookies_planted_by_another_port_do_not_sign_the_owner_out_and_a_replaced_one_is_explained()
    {
        var browser = await SignedInAsync();
        var real = browser.Manage().Cookies.GetCookieNamed("d3kos_session")!.Value;
        // What a page on another port of the helm's address can do over http: the same name with longer
        // paths, which the browser sends before the real cookie.
        foreach (var path in new[] { "/d3kos/", "/api", "/api/", "/api/backup", "/api/backup/", "/api/backup/status", "/export/" })
        {
            browser.Manage().Cookies.AddCookie(new OpenQA.Selenium.Cookie("d3kos_session", RandomSecret(), path));
        }
        browser.ExecuteScript("document.getElementById('schedule').replaceChildren();");

        browser.FindElement(By.Id("refresh")).Click();
        Until(browser, b => b.FindElements(By.CssSelector("#schedule dt")).Count > 0, "the schedule (the owner's status) loaded again");
        var status = (long)((IJavaScriptExecutor)browser).ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            const key = JSON.parse(localStorage.getItem('d3kos-page-keys')).backup;
            fetch('/api/backup/status', { headers: { 'X-D3kos-Request': key } }).then((r) => done(r.status));
            """)!;
        var stillSignedIn = browser.FindElement(By.Id("owner")).Displayed && !browser.FindElement(By.Id("message")).Displayed;
        // Then the real cookie replaced at Path=/, as the issue's server on another port did: nothing on the
        // Pi can stop that over http, so the page says what happened.
        browser.Manage().Cookies.AddCookie(new OpenQA.Selenium.Cookie("d3kos_session", RandomSecret(), "/"));
        browser.FindElement(By.Id("refresh")).Click();
        Until(browser, b => b.FindElement(By.Id("sign-in")).Displayed && b.FindElement(By.Id("message")).Displayed, "the sign-in form with a sentence");

        Assert.Equal(200, status);
        Assert.True(stillSignedIn);
        Assert.DoesNotContain(real, browser.Manage().Cookies.AllCookies.Where(c => c.Name == "d3kos_session").Select(c => c.Value));
        Assert.Contains("another page on this helm (on another port)", Text(browser, "message"), StringComparison.Ordinal);
        Assert.Contains("Pair this browser again", Text(browser, "message"), StringComparison.Ordinal);
    }

    private static string RandomSecret() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public async Task An_s3_target_takes_its_secret_a_copy_and_brings_the_copy_back_as_an_imported_backup()
    {
        Assert.SkipWhen(helm.Ceph.Unavailable is not null, $"The S3 part needs {helm.Ceph.Unavailable}.");
        var browser = await SignedInAsync();
        Until(browser, b => b.FindElement(By.CssSelector("#targets tr[data-target='shore']")).Text.Contains("No secret key", StringComparison.Ordinal), "the target without its secret");

        browser.FindElement(By.CssSelector("#secret-target option[value='shore']")).Click();
        browser.FindElement(By.Id("secret-key")).SendKeys(CephGateway.SecretKey);
        browser.FindElement(By.CssSelector("#secret-form button[type=submit]")).Click();
        Until(browser, b => b.FindElement(By.CssSelector("#targets tr[data-target='shore']")).Text.Contains("ready", StringComparison.Ordinal), "the target ready");
        browser.FindElement(By.Id("create")).Click();
        Until(browser, b => Text(b, "activity-text").StartsWith("Backup created: ", StringComparison.Ordinal), "the backup to copy");
        var newest = Text(browser, "activity-text")["Backup created: ".Length..];
        browser.FindElement(By.CssSelector("button[aria-label='Copy newest backup shore']")).Click();
        Until(browser, b => Text(b, "activity-text").StartsWith("Copied ", StringComparison.Ordinal), "the copy to finish");
        // The card died: the Pi no longer holds it (the same bytes still here would be recognised as held already).
        var original = File.ReadAllBytes(Path.Combine(helm.BackupsFolder, newest));
        using (var http = new HttpClient { BaseAddress = new Uri(helm.Helm) })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", helm.Token);
            (await http.DeleteAsync($"/api/backup/{newest}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }
        browser.FindElement(By.CssSelector("button[aria-label='Show copies shore']")).Click();
        var bringBack = Until(browser, b => b.FindElement(By.CssSelector($"button[aria-label='Bring back {newest}']")), "the copy in the bucket's list");
        bringBack.Click();
        Until(browser, b => Text(b, "activity-text").StartsWith("Brought back as d3kos_imported_", StringComparison.Ordinal), "the copy to come back");
        var imported = Text(browser, "activity-text")["Brought back as ".Length..];

        // The secret is on the Pi, root's alone, and in no answer the page got.
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(helm.Root.At("/var/lib/d3kos/copy-secrets/shore")), 8));
        Assert.DoesNotContain(CephGateway.SecretKey, browser.PageSource, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllBytes(Path.Combine(helm.BackupsFolder, imported)));
        Until(browser, b => b.FindElements(By.CssSelector($"#backups tr[data-file='{imported}']")).Count == 1, "the imported backup in the list");
    }

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task The_page_fits_the_screen_labels_every_field_and_is_kept_as_a_screenshot(string name, int width, int height)
    {
        var browser = await SignedInAsync(width, height);
        Until(browser, b => b.FindElements(By.CssSelector("#queue tbody tr, #history tbody tr")).Count > 0, "the export tables");

        var overflow = (long)browser.ExecuteScript("return document.documentElement.scrollWidth - window.innerWidth;")!;
        var unlabelled = (string)browser.ExecuteScript(
            "return [...document.querySelectorAll('input')].filter(i => i.type !== 'hidden' && i.labels.length === 0).map(i => i.id).join(',');")!;
        var unnamedButtons = (long)browser.ExecuteScript(
            "return [...document.querySelectorAll('button')].filter(b => !(b.getAttribute('aria-label') || b.textContent).trim()).length;")!;
        var outside = CellsOutsideTheScreen(browser);
        // The tab's icon is the page's own (it answered 404 before), served by nginx beside the page.
        var icon = (string)((IJavaScriptExecutor)browser).ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            const href = document.querySelector('link[rel=icon]').href;
            fetch(href).then((r) => done(`${r.status} ${r.headers.get('content-type')} ${href}`), (e) => done(String(e)));
            """)!;
        Screenshot(browser, $"owner-page-{name}.png", width);

        Assert.True(overflow <= 0, $"the page is {overflow} px wider than a {width} px screen");
        Assert.True(outside == "", $"table cells not wholly on a {width} px screen: {outside}");
        Assert.Equal($"200 image/svg+xml {helm.Helm}/d3kos/favicon.svg", icon);
        Assert.Equal("", unlabelled);
        Assert.Equal(0, unnamedButtons);
    }
}
