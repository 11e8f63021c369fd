using System.Net.Http.Json;
using System.Text;

namespace D3kos.Backup.Tests;

/// <summary>Requests built to reach other files or to choke the service: each gets a 4xx problem and the service keeps serving.</summary>
public sealed class HostileHttpTests : IAsyncLifetime
{
    private readonly BoatRoot _boat = new();
    private BackupApiApp _app = null!;
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _app = new BackupApiApp(_boat.Settings());
        _client = _app.CreateClient();
        Directory.CreateDirectory(_boat.BackupsFolder);
        File.WriteAllText(Path.Combine(_boat.BackupsFolder, "secret.txt"), "SENTINEL-42");
        return ValueTask.CompletedTask;
    }

    public static TheoryData<string> TraversalNames =>
    [
        "..%2Fsecret.txt", "..%252Fsecret.txt", "%2E%2E%2Fsecret.txt", "..%5Csecret.txt", "%2Fetc%2Fpasswd",
        "..%c0%afsecret.txt", "%c0%ae%c0%ae%2Fsecret.txt", "secret.txt", ".restore-journal.json",
        "d3kos_backup_20260101_000000.tar.gz%2F..%2Fsecret.txt", "d3kos_backup_20260101_000000.tar.gz.partial",
        "D3KOS_BACKUP_20260101_000000.TAR.GZ", "d3kos_backup_20260101_000000.tar.gz%0A", "~root",
    ];

    [Theory]
    [MemberData(nameof(TraversalNames))]
    public async Task Traversal_names_are_refused_on_every_endpoint(string name)
    {
        var requests = new Func<Task<HttpResponseMessage>>[]
        {
            () => _client.GetAsync($"/api/backup/download/{name}"),
            () => _client.GetAsync($"/api/backup/verify/{name}"),
            () => _client.DeleteAsync($"/api/backup/{name}"),
            () => _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = Uri.UnescapeDataString(name), confirm = true }),
        };
        foreach (var request in requests)
        {
            using var response = await request();
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True((int)response.StatusCode is 400 or 404 or 405, $"{(int)response.StatusCode}: {body}");
            Assert.DoesNotContain("SENTINEL-42", body, StringComparison.Ordinal);
        }
        Assert.True(File.Exists(Path.Combine(_boat.BackupsFolder, "secret.txt")));
        Assert.Equal(200, (int)(await _client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Empty(_boat.ServiceCommands);
    }

    [Fact]
    public async Task Oversized_json_body_is_refused_and_the_service_keeps_serving()
    {
        var huge = "{\"backup_file\":\"" + new string('a', 40 * 1024 * 1024) + "\",\"confirm\":true}";
        using var content = new StringContent(huge, Encoding.UTF8, "application/json");

        using var response = await _client.PostAsync("/api/backup/restore", content, TestContext.Current.CancellationToken);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal(200, (int)(await _client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_creates_run_one_at_a_time_and_every_archive_is_whole()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _client.PostAsync("/api/backup/create", null)));

        Assert.All(answers, a => Assert.True((int)a.StatusCode is 200 or 409, $"{(int)a.StatusCode}"));
        Assert.Contains(answers, a => (int)a.StatusCode == 200);
        foreach (var backup in (await _client.GetAsync("/api/backup/list", TestContext.Current.CancellationToken).OkJsonAsync()).EnumerateArray())
        {
            var report = await _client.GetAsync($"/api/backup/verify/{backup.GetProperty("filename").GetString()}", TestContext.Current.CancellationToken).OkJsonAsync();
            Assert.True(report.GetProperty("valid").GetBoolean());
        }
    }

    [Fact]
    public async Task Restore_while_creating_one_of_them_is_told_409()
    {
        var name = (await _client.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken).OkJsonAsync()).GetProperty("backup_file").GetString();

        var cancel = TestContext.Current.CancellationToken;
        var both = await Task.WhenAll(
            _client.PostAsync("/api/backup/create", null, cancel),
            _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = name, confirm = true }, cancel),
            _client.PostAsync("/api/backup/create", null, cancel));

        Assert.All(both, a => Assert.True((int)a.StatusCode is 200 or 409, $"{(int)a.StatusCode}"));
        Assert.Contains(both, a => (int)a.StatusCode == 200);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        _boat.Dispose();
    }
}
