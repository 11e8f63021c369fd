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
    public async Task Random_bytes_named_tar_gz_are_said_to_be_no_backup_not_asked_for_a_passphrase()
    {
        // Every seed's first byte has bit 7 set, which once took such a file for an encrypted copy.
        for (var seed = 0; seed < 8; seed++)
        {
            var bytes = new byte[64 * 1024];
            new Random(seed).NextBytes(bytes);
            bytes[0] |= 0x80;
            using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "backup", "d3kos_backup_20260501_120000.tar.gz" } };

            using var response = await _client.PostAsync("/api/backup/upload", form, TestContext.Current.CancellationToken);

            // Said as it is, not as a missing passphrase (the sentence names none).
            await Json.AssertProblemAsync(response, 422, "This file is not a d3kOS backup");
        }
        Assert.Empty(FilesKept());
    }

    [Fact]
    public async Task The_same_backup_uploaded_twice_is_recognised_by_its_checksum_and_kept_once()
    {
        var first = await _client.PostAsync("/api/backup/upload", new ByteArrayContent(_backup), TestContext.Current.CancellationToken).OkJsonAsync();

        var second = await _client.PostAsync("/api/backup/upload", new ByteArrayContent(_backup), TestContext.Current.CancellationToken).OkJsonAsync();
        var list = await _client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/backup/list", TestContext.Current.CancellationToken);

        Assert.False(first.GetProperty("already_held").GetBoolean());
        Assert.True(second.GetProperty("already_held").GetBoolean());
        Assert.Equal(first.GetProperty("backup_file").GetString(), second.GetProperty("backup_file").GetString());
        Assert.Equal(first.GetProperty("made_at").GetDateTimeOffset(), second.GetProperty("made_at").GetDateTimeOffset());
        Assert.Single(Directory.GetFiles(_newBoat.BackupsFolder, "*.tar.gz"));
        Assert.Empty(Directory.GetFiles(_newBoat.BackupsFolder, "*.partial"));
        // The list shows when the imported backup was made, not only when it arrived.
        var row = Assert.Single(list.EnumerateArray());
        Assert.Equal(first.GetProperty("made_at").GetDateTimeOffset(), row.GetProperty("made_at").GetDateTimeOffset());
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
