using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace D3kos.Backup.Tests;

public sealed class CreateTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Fact]
    public async Task Create_returns_the_archive_and_gnu_tar_lists_and_extracts_it()
    {
        await using var app = new BackupApiApp(_boat.Settings());
        var client = app.CreateClient();

        var created = await client.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken).OkJsonAsync();

        var name = created.GetProperty("backup_file").GetString()!;
        Assert.Matches(@"^d3kos_backup_\d{8}_\d{6}\.tar\.gz$", name);
        var path = Path.Combine(_boat.BackupsFolder, name);
        Assert.Equal(path, created.GetProperty("path").GetString());
        Assert.Equal(new FileInfo(path).Length, created.GetProperty("size_bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), created.GetProperty("sha256").GetString());
        Assert.True(created.GetProperty("file_count").GetInt32() >= 8);
        Assert.False(File.Exists(path + ".partial"));

        var listing = BoatRoot.Tar("tzf", path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("d3kos-backup.json", listing[0]);
        Assert.Contains("opt/d3kos/config/license.json", listing);
        Assert.Contains("opt/d3kos/data/boatlog/boatlog.db", listing);
        Assert.Contains("home/d3kos/.node-red/flows.json", listing);
        Assert.Contains("var/www/html/index.html", listing);
        Assert.DoesNotContain(listing, m => m.EndsWith(".tmp", StringComparison.Ordinal) || m.Contains("backups", StringComparison.Ordinal));
        Assert.Contains("opt/d3kos/config/current-prefs.json -> user-preferences.json", BoatRoot.Tar("tvzf", path), StringComparison.Ordinal);

        var extracted = Directory.CreateTempSubdirectory("d3kos-tar-").FullName;
        try
        {
            BoatRoot.Tar("xzf", path, "-C", extracted);
            Assert.Equal(File.ReadAllText(_boat.Root.At("/var/www/html/index.html")), File.ReadAllText(Path.Combine(extracted, "var/www/html/index.html")));
            Assert.Equal("user-preferences.json", new FileInfo(Path.Combine(extracted, "opt/d3kos/config/current-prefs.json")).LinkTarget);
            Assert.Equal(File.GetUnixFileMode(_boat.Root.At("/opt/d3kos/config/license.json")), File.GetUnixFileMode(Path.Combine(extracted, "opt/d3kos/config/license.json")));
        }
        finally
        {
            Directory.Delete(extracted, recursive: true);
        }
    }

    [Fact]
    public void Manifest_is_first_and_lists_every_file_with_checksum_and_the_skipped_sources()
    {
        File.Delete(_boat.Root.At("/home/d3kos/.node-red/flows.json"));
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var result = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        using var gzip = new GZipStream(File.OpenRead(result.Path), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var first = tar.GetNextEntry()!;
        Assert.Equal("d3kos-backup.json", first.Name);
        using var manifest = JsonDocument.Parse(first.DataStream!);
        var root = manifest.RootElement;
        Assert.Equal(1, root.GetProperty("format_version").GetInt32());
        Assert.Equal("aaaaaaaaaaaaaaaa", root.GetProperty("installation_id").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("hostname").GetString()));
        Assert.Contains("/home/d3kos/.node-red/flows.json", root.GetProperty("sources_skipped").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("/opt/d3kos/config", root.GetProperty("sources_found").EnumerateArray().Select(e => e.GetString()));
        var license = root.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString() == "opt/d3kos/config/license.json");
        var bytes = File.ReadAllBytes(_boat.Root.At("/opt/d3kos/config/license.json"));
        Assert.Equal(bytes.Length, license.GetProperty("size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), license.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Database_written_during_backup_comes_back_consistent()
    {
        var database = _boat.Root.At("/opt/d3kos/data/boatlog/boatlog.db");
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
            connection.Open();
            using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode=WAL";
                wal.ExecuteNonQuery();
            }
            var written = 0;
            while (!stop.IsCancellationRequested)
            {
                using var transaction = connection.BeginTransaction();
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO boatlog_entries VALUES ($id, '2026-02-21T00:00:00', 'position', 'underway', 1, -1, NULL)";
                var id = insert.Parameters.Add("$id", SqliteType.Integer);
                for (var i = 0; i < 200; i++)
                {
                    id.Value = ++written + 1000;
                    insert.ExecuteNonQuery();
                }
                transaction.Commit();
            }
            return written;
        });
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        await Task.Delay(200, TestContext.Current.CancellationToken);

        var results = Enumerable.Range(0, 3).Select(_ => manager.Create()).ToList();
        await stop.CancelAsync();
        var total = await writer;

        Assert.True(total > 0);
        foreach (var result in results)
        {
            var extracted = Directory.CreateTempSubdirectory("d3kos-db-").FullName;
            try
            {
                BoatRoot.Tar("xzf", result.Path, "-C", extracted, "opt/d3kos/data/boatlog/boatlog.db");
                Assert.False(File.Exists(Path.Combine(extracted, "opt/d3kos/data/boatlog/boatlog.db-wal")));
                using var copy = new SqliteConnection($"Data Source={Path.Combine(extracted, "opt/d3kos/data/boatlog/boatlog.db")};Mode=ReadOnly;Pooling=False");
                copy.Open();
                using var check = copy.CreateCommand();
                check.CommandText = "PRAGMA integrity_check";
                Assert.Equal("ok", check.ExecuteScalar());
                check.CommandText = "SELECT (COUNT(*) - 1) % 200 FROM boatlog_entries";
                Assert.Equal(0L, check.ExecuteScalar()); // whole transactions only
            }
            finally
            {
                Directory.Delete(extracted, recursive: true);
            }
        }
    }

    [Fact]
    public void Retention_after_seven_creates_keeps_the_newest_five_and_touches_nothing_else()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 2, 20, 12, 0, 0, TimeSpan.Zero));
        Directory.CreateDirectory(_boat.BackupsFolder);
        var stranger = Path.Combine(_boat.BackupsFolder, "notes-about-backups.txt");
        File.WriteAllText(stranger, "keep me");
        var (manager, services) = Library.Create(_boat.Settings(), time);
        using var _ = services;

        var names = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            names.Add(manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(names.Skip(2).Reverse(), manager.List().Select(b => b.Filename));
        Assert.True(File.Exists(stranger));
        Assert.False(File.Exists(Path.Combine(_boat.BackupsFolder, names[0] + ".sha256")));
    }

    [Fact]
    public void Two_backups_in_one_second_get_different_names()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 2, 20, 12, 0, 0, TimeSpan.Zero));
        var (manager, services) = Library.Create(_boat.Settings(), time);
        using var _ = services;

        var first = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        var second = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;

        Assert.Equal("d3kos_backup_20260220_120000.tar.gz", first);
        Assert.Equal("d3kos_backup_20260220_120000_1.tar.gz", second);
    }

    [Fact]
    public async Task Create_when_the_disk_is_too_full_returns_507_and_writes_nothing()
    {
        await using var app = new BackupApiApp(_boat.Settings(("Backup:FreeSpaceMarginBytes", (1L << 60).ToString(System.Globalization.CultureInfo.InvariantCulture))));

        using var response = await app.CreateClient().PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken);

        await Json.AssertProblemAsync(response, 507, "Not enough free space");
        Assert.Empty(Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz*"));
    }

    [Fact]
    public async Task Create_while_another_holds_the_lock_returns_409()
    {
        await using var app = new BackupApiApp(_boat.Settings());
        var client = app.CreateClient();
        var manager = (BackupManager)app.Services.GetService(typeof(BackupManager))!;

        using (BackupLock.Acquire(manager.Paths))
        {
            using var response = await client.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken);
            await Json.AssertProblemAsync(response, 409, "Another backup or restore is running");
        }

        using var after = await client.PostAsync("/api/backup/create", null, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)after.StatusCode);
    }

    public void Dispose() => _boat.Dispose();
}
