using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace D3kos.Backup.Tests;

public sealed class DownloadListVerifyTests : IAsyncLifetime
{
    private readonly BoatRoot _boat = new();
    private BackupApiApp _app = null!;
    private HttpClient _client = null!;
    private string _name = null!;

    public async ValueTask InitializeAsync()
    {
        _app = new BackupApiApp(_boat.Settings());
        _client = _app.CreateClient();
        _name = (await _client.PostAsync("/api/backup/create", null).OkJsonAsync()).GetProperty("backup_file").GetString()!;
    }

    private string ArchivePath => Path.Combine(_boat.BackupsFolder, _name);

    [Fact]
    public async Task List_shows_backups_newest_first_with_checksums()
    {
        var second = (await _client.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken).OkJsonAsync()).GetProperty("backup_file").GetString();

        var list = await _client.GetAsync("/api/backup/list", TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.Equal([second, _name], list.EnumerateArray().Select(b => b.GetProperty("filename").GetString()));
        var first = list[1];
        Assert.Equal(new FileInfo(ArchivePath).Length, first.GetProperty("size_bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ArchivePath))), first.GetProperty("sha256").GetString());
        Assert.True(first.TryGetProperty("created", out _));
    }

    [Fact]
    public async Task Download_returns_the_exact_bytes_and_honours_ranges()
    {
        using var whole = await _client.GetAsync($"/api/backup/download/{_name}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("application/gzip", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", whole.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(File.ReadAllBytes(ArchivePath), await whole.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/backup/download/{_name}");
        request.Headers.Range = new RangeHeaderValue(10, 99);
        using var part = await _client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(File.ReadAllBytes(ArchivePath)[10..100], await part.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("..%2F..%2Fconfig%2Flicense.json")]
    [InlineData("%2E%2E")]
    [InlineData("..%252F..%252Fetc%252Fpasswd")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData(".d3kos-backup.lock")]
    [InlineData("d3kos_backup_20260101_000000.tar.gz.sha256")]
    [InlineData("notes.txt")]
    public async Task Download_with_name_that_is_not_a_backup_is_refused_without_a_bytes_from_elsewhere(string name)
    {
        File.WriteAllText(Path.Combine(_boat.BackupsFolder, "notes.txt"), "SENTINEL-7f3a");

        using var response = await _client.GetAsync($"/api/backup/download/{name}", TestContext.Current.CancellationToken);

        Assert.True((int)response.StatusCode is 400 or 404, $"answered {(int)response.StatusCode}");
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain("installation_id", body, StringComparison.Ordinal);
        Assert.DoesNotContain("SENTINEL-7f3a", body, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_of_missing_backup_returns_404()
    {
        using var response = await _client.GetAsync("/api/backup/download/d3kos_backup_20200101_000000.tar.gz", TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 404, "No backup named");
    }

    [Fact]
    public async Task Verify_of_a_good_backup_is_valid()
    {
        var report = await _client.GetAsync($"/api/backup/verify/{_name}", TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.True(report.GetProperty("valid").GetBoolean());
        Assert.True(report.GetProperty("files_checked").GetInt32() >= 8);
        Assert.Equal(0, report.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task Verify_of_a_truncated_backup_is_invalid()
    {
        var bytes = File.ReadAllBytes(ArchivePath);
        File.WriteAllBytes(ArchivePath, bytes[..(bytes.Length * 2 / 3)]);

        var report = await _client.GetAsync($"/api/backup/verify/{_name}", TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.False(report.GetProperty("valid").GetBoolean());
        Assert.NotEqual(0, report.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task Verify_when_the_manifest_lies_about_a_checksum_is_invalid_and_names_the_file()
    {
        var name = "d3kos_backup_20260101_000000.tar.gz";
        new ArchiveBuilder().Folder("opt/d3kos/config/").File("opt/d3kos/config/a.json", "{}", claimedSha256: new string('0', 64))
            .Write(Path.Combine(_boat.BackupsFolder, name));

        var report = await _client.GetAsync($"/api/backup/verify/{name}", TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.False(report.GetProperty("valid").GetBoolean());
        Assert.Contains("opt/d3kos/config/a.json", report.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_removes_the_backup_and_refuses_other_names()
    {
        var kept = Path.Combine(_boat.BackupsFolder, "notes.txt");
        File.WriteAllText(kept, "x");

        var deleted = await _client.DeleteAsync($"/api/backup/{_name}", TestContext.Current.CancellationToken).OkJsonAsync();
        using var traversal = await _client.DeleteAsync("/api/backup/..%2Fbackups%2Fnotes.txt", TestContext.Current.CancellationToken);
        using var again = await _client.DeleteAsync($"/api/backup/{_name}", TestContext.Current.CancellationToken);

        Assert.Equal(_name, deleted.GetProperty("deleted").GetString());
        Assert.False(File.Exists(ArchivePath));
        Assert.False(File.Exists(ArchivePath + ".sha256"));
        Assert.True((int)traversal.StatusCode is 400 or 404);
        Assert.True(File.Exists(kept));
        await Json.AssertProblemAsync(again, 404);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        _boat.Dispose();
    }
}
