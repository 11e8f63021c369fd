using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace D3kos.Backup.Tests;

/// <summary>A new Pi after the SD card died: the owner uploads a backup taken on the old one.</summary>
public sealed class UploadTests : IAsyncLifetime
{
    private readonly BoatRoot _oldBoat = new();
    private readonly BoatRoot _newBoat = new();
    private BackupApiApp _app = null!;
    private HttpClient _client = null!;
    private byte[] _backup = null!;

    public async ValueTask InitializeAsync()
    {
        var (oldManager, services) = Library.Create(_oldBoat.Settings());
        using (services)
        {
            _backup = File.ReadAllBytes(oldManager.Create().Path);
        }
        _app = new BackupApiApp(_newBoat.Settings(("Backup:MaxUploadBytes", "1048576")));
        _client = _app.CreateClient();
    }

    [Fact]
    public async Task Upload_as_raw_body_is_verified_kept_under_a_backup_name_and_restorable()
    {
        using var content = new ByteArrayContent(_backup);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");

        var uploaded = await _client.PostAsync("/api/backup/upload", content, TestContext.Current.CancellationToken).OkJsonAsync();

        var name = uploaded.GetProperty("backup_file").GetString()!;
        Assert.Matches(@"^d3kos_imported_[0-9]{8}_[0-9]{6}(_[0-9]+)?\.tar\.gz$", name);
        var kept = Path.Combine(_newBoat.BackupsFolder, name);
        Assert.Equal(_backup, File.ReadAllBytes(kept));
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_backup));
        Assert.Equal(sha256, uploaded.GetProperty("sha256").GetString());
        Assert.StartsWith(sha256 + "  " + name, File.ReadAllText(kept + ".sha256"), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_newBoat.BackupsFolder, "*.partial"));
        var restored = await _client.PostAsJsonAsync("/api/backup/restore", new { backup_file = name, confirm = true }, cancellationToken: TestContext.Current.CancellationToken).OkJsonAsync();
        Assert.True(restored.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task An_upload_answers_when_the_backup_was_really_made_and_whether_on_this_pi()
    {
        using var content = new ByteArrayContent(_backup);

        var uploaded = await _client.PostAsync("/api/backup/upload", content, TestContext.Current.CancellationToken).OkJsonAsync();

        // Named for when it arrived; made when its manifest says, by the installation the test boats share.
        var madeAt = uploaded.GetProperty("made_at").GetDateTimeOffset();
        Assert.InRange(madeAt, DateTimeOffset.UtcNow.AddMinutes(-10), uploaded.GetProperty("created").GetDateTimeOffset().AddSeconds(1));
        Assert.True(uploaded.GetProperty("made_here").GetBoolean());
        Assert.Equal("aaaaaaaaaaaaaaaa", uploaded.GetProperty("installation_id").GetString());
    }

    [Fact]
    public async Task Upload_as_multipart_form_is_kept()
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(_backup);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        form.Add(new StringContent("note"), "comment");
        form.Add(file, "backup", "from-the-old-pi.tar.gz");

        var uploaded = await _client.PostAsync("/api/backup/upload", form, TestContext.Current.CancellationToken).OkJsonAsync();

        Assert.Single(Directory.GetFiles(_newBoat.BackupsFolder, "d3kos_imported_*.tar.gz"));
        Assert.Equal(_backup.Length, uploaded.GetProperty("size_bytes").GetInt64());
    }

    [Fact]
    public async Task Upload_of_something_that_is_not_a_backup_is_refused_and_nothing_is_kept()
    {
        using var content = new ByteArrayContent("<html>not a backup</html>"u8.ToArray());

        using var response = await _client.PostAsync("/api/backup/upload", content, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 422, "Nothing was kept");
        Assert.Empty(FilesKept());
    }

    [Fact]
    public async Task Upload_larger_than_the_limit_returns_413_and_nothing_is_kept()
    {
        using var content = new ByteArrayContent(new byte[2 * 1024 * 1024]);

        using var response = await _client.PostAsync("/api/backup/upload", content, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 413);
        Assert.Empty(FilesKept());
    }

    /// <summary>
    /// Every file in the backups folder but the lock files and the schedule's status, which the API writes
    /// (through a temporary file of its own) when it starts.
    /// </summary>
    private string[] FilesKept() => Directory.Exists(_newBoat.BackupsFolder)
        ? [.. Directory.GetFiles(_newBoat.BackupsFolder).Where(f => !Path.GetFileName(f).Contains(".schedule-status.json", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal))]
        : [];

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        _oldBoat.Dispose();
        _newBoat.Dispose();
    }
}
