using System.Net.Http.Json;
using Amazon.S3.Model;
using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>Copies to S3-compatible storage, against a real Ceph RADOS Gateway on loopback.</summary>
[Collection(CephCollection.Name)]
public sealed class S3CopyTests(CephGateway ceph) : IDisposable
{
    private const string Passphrase = ShoreTarget.Passphrase;
    private const string Prefix = ShoreTarget.Prefix;
    private readonly BoatRoot _boat = new();

    /// <param name="boat">Another Pi (default: this test's boat).</param>
    /// <param name="bucket">A bucket made already (default: a new one).</param>
    private async Task<(BackupManager Manager, BackupCopier Copier, ServiceProvider Services, string Bucket)> LibraryAsync(
        bool encrypt = true, int keep = 10, string? endpoint = null, string secret = CephGateway.SecretKey, TimeProvider? time = null, int resumeTries = 0,
        BoatRoot? boat = null, string? bucket = null, int maxKiBPerSecond = 0)
    {
        Assert.SkipWhen(ceph.Unavailable is not null, $"The S3 tests need {ceph.Unavailable}.");
        bucket ??= await ceph.NewBucketAsync();
        var (manager, copier, services) = ShoreTarget.Library(boat ?? _boat, endpoint ?? ceph.Endpoint, bucket, secret, time,
            ("Backup:Targets:0:Encrypt", encrypt ? "true" : "false"),
            ("Backup:Targets:0:ResumeTries", resumeTries.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Backup:Targets:0:MaxKiBPerSecond", maxKiBPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Backup:Targets:0:Keep", keep.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return (manager, copier, services, bucket);
    }

    private async Task<byte[]> ObjectAsync(string bucket, string key)
    {
        using var client = ceph.Client();
        using var response = await client.GetObjectAsync(bucket, key, TestContext.Current.CancellationToken);
        using var bytes = new MemoryStream();
        await response.ResponseStream.CopyToAsync(bytes, TestContext.Current.CancellationToken);
        return bytes.ToArray();
    }

    /// <summary>Fetches the object as the shore would, opens it with gpg, and compares it with the backup byte for byte.</summary>
    private async Task AssertObjectIsTheBackupAsync(string bucket, string copyFile, string backupPath)
    {
        var encrypted = Path.Combine(_boat.Root.Path, $"from-bucket-{Guid.NewGuid():N}.gpg");
        File.WriteAllBytes(encrypted, await ObjectAsync(bucket, Prefix + copyFile));
        Gpg.Decrypt(encrypted, encrypted + ".tar.gz", Passphrase);
        Assert.Equal(File.ReadAllBytes(backupPath), File.ReadAllBytes(encrypted + ".tar.gz"));
    }

    private void Images(int megabytes)
    {
        var file = _boat.Root.At("/opt/d3kos/data/images/voyage.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(megabytes << 20));
    }

    [Fact]
    public async Task An_encrypted_copy_goes_up_in_parts_and_gpg_opens_it_byte_identical()
    {
        Images(12); // three parts of 5 MiB
        var (manager, copier, services, bucket) = await LibraryAsync();
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var copy = await copier.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken);

        await AssertObjectIsTheBackupAsync(bucket, copy.CopyFile, backup.Path);
        Assert.Equal(backup.FileName + ".gpg", copy.CopyFile);
        Assert.True(copy.Encrypted);
        Assert.False(Directory.Exists(_boat.Root.At("/opt/d3kos/backups/.outgoing/shore")) && Directory.EnumerateFiles(_boat.Root.At("/opt/d3kos/backups/.outgoing/shore")).Any());
        Assert.True(copier.LastCopy("shore")!.Succeeded);
    }

    [Fact]
    public async Task Wrong_credentials_are_one_clear_sentence_and_the_local_backup_is_kept()
    {
        var (manager, copier, services, _) = await LibraryAsync(secret: "not-the-secret-key-at-all-000000000000");
        using var __ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var before = File.ReadAllBytes(backup.Path);

        var failure = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, failure.Error);
        Assert.Contains("refused the credentials", failure.Message, StringComparison.Ordinal);
        // The secret key is in no sentence and no file the copy leaves (its status, the staged copy).
        var left = Directory.EnumerateFiles(_boat.BackupsFolder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".tar.gz", StringComparison.Ordinal));
        Assert.All(left, file => Assert.DoesNotContain("not-the-secret", File.ReadAllText(file), StringComparison.Ordinal));
        Assert.DoesNotContain("not-the-secret", failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(backup.Path));
        Assert.False(copier.LastCopy("shore")!.Succeeded);
    }

    [Fact]
    public async Task Retention_on_the_bucket_keeps_its_count_and_never_touches_what_is_not_its_copy()
    {
        var (manager, copier, services, bucket) = await LibraryAsync(encrypt: false, keep: 2);
        using var _ = services;
        using var client = ceph.Client();
        string[] foreign = [Prefix + "notes.txt", Prefix + "d3kos_backup_20200101_000000.tar.gz.old", Prefix + "crew/d3kos_backup_20200101_000000.tar.gz", "d3kos_backup_20200101_000000.tar.gz"];
        foreach (var key in foreign)
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "not the boat's copy" }, TestContext.Current.CancellationToken);
        }

        var copies = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            copies.Add((await copier.CopyAsync(manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName, "shore", null, TestContext.Current.CancellationToken)).CopyFile);
        }

        var left = (await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, TestContext.Current.CancellationToken)).S3Objects.Select(o => o.Key).Order(StringComparer.Ordinal);
        Assert.Equal(foreign.Concat(copies.Skip(1).Select(c => Prefix + c)).Order(StringComparer.Ordinal), left);
    }

    [Fact]
    public async Task A_connection_cut_in_the_middle_resumes_with_the_parts_not_yet_sent()
    {
        Images(16); // four parts of 5 MiB
        using var proxy = new CuttingProxy(ceph.Port);
        var (manager, copier, services, bucket) = await LibraryAsync(endpoint: proxy.Endpoint, resumeTries: 0);
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        proxy.CutAfter(8L << 20); // inside the second part

        var cut = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken));
        var staged = Directory.GetFiles(_boat.Root.At("/opt/d3kos/backups/.outgoing/shore"));
        proxy.Reopen();
        var copy = await copier.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken);
        var resent = proxy.BytesSent;

        Assert.Equal(BackupError.TargetUnavailable, cut.Error);
        Assert.Contains("resumes", cut.Message, StringComparison.Ordinal);
        Assert.Contains(staged, f => f.EndsWith(".upload", StringComparison.Ordinal));
        // The first part was in the bucket already: the second run sent less than the whole copy.
        Assert.InRange(resent, 1, new FileInfo(backup.Path).Length - (4L << 20));
        await AssertObjectIsTheBackupAsync(bucket, copy.CopyFile, backup.Path);
    }

    [Fact]
    public async Task A_line_that_comes_back_within_the_run_is_waited_for_and_the_copy_resumes()
    {
        Images(16);
        using var proxy = new CuttingProxy(ceph.Port);
        var (manager, copier, services, bucket) = await LibraryAsync(endpoint: proxy.Endpoint, resumeTries: 1);
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        proxy.CutAfter(8L << 20);
        // The Wi-Fi comes back after two seconds; the copy waits ten, then resumes.
        var back = Task.Run(async () =>
        {
            await Eventually.TrueAsync(() => proxy.IsCut, "the cut");
            await Task.Delay(2000);
            proxy.Reopen();
        }, TestContext.Current.CancellationToken);

        var copy = await copier.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken);
        await back;

        Assert.InRange(proxy.BytesSent, 1, new FileInfo(backup.Path).Length - (4L << 20));
        await AssertObjectIsTheBackupAsync(bucket, copy.CopyFile, backup.Path);
    }

    [Fact]
    public async Task A_bandwidth_limit_holds_the_copy_to_its_rate()
    {
        Images(6);
        var (manager, _, services, bucket) = await LibraryAsync(encrypt: false);
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var (_, limited, limitedServices, __) = await LibraryAsync(encrypt: false, bucket: bucket, maxKiBPerSecond: 2048);
        using var ___ = limitedServices;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var copy = await limited.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken);
        watch.Stop();

        // A lower bound only: a busy machine makes the copy slower, never faster than the limit lets it be.
        var atTheLimit = TimeSpan.FromSeconds(copy.SizeBytes / (2048.0 * 1024));
        Assert.True(watch.Elapsed >= atTheLimit * 0.9, $"{copy.SizeBytes} bytes went in {watch.Elapsed.TotalSeconds:0.00} s, faster than 2 MiB/s allows ({atTheLimit.TotalSeconds:0.00} s)");
        Assert.Equal(File.ReadAllBytes(backup.Path), await ObjectAsync(bucket, Prefix + copy.CopyFile));
    }

    [Fact]
    public async Task An_upload_left_unfinished_for_over_a_day_is_aborted_and_a_newer_one_or_one_of_another_name_is_not()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var (manager, copier, services, bucket) = await LibraryAsync(encrypt: false, time: time);
        using var _ = services;
        using var client = ceph.Client();
        await client.InitiateMultipartUploadAsync(bucket, Prefix + "d3kos_backup_20200101_000000.tar.gz", TestContext.Current.CancellationToken);
        await client.InitiateMultipartUploadAsync(bucket, Prefix + "the-crew-s-video.mp4", TestContext.Current.CancellationToken);

        await copier.CopyAsync(manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName, "shore", null, TestContext.Current.CancellationToken);
        var afterAnHour = (await client.ListMultipartUploadsAsync(bucket, TestContext.Current.CancellationToken)).MultipartUploads.Select(u => u.Key).Order(StringComparer.Ordinal).ToList();
        time.Advance(TimeSpan.FromDays(2));
        await copier.CopyAsync(manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName, "shore", null, TestContext.Current.CancellationToken);

        var left = (await client.ListMultipartUploadsAsync(bucket, TestContext.Current.CancellationToken)).MultipartUploads.Select(u => u.Key);
        Assert.Equal([Prefix + "d3kos_backup_20200101_000000.tar.gz", Prefix + "the-crew-s-video.mp4"], afterAnHour);
        Assert.Equal([Prefix + "the-crew-s-video.mp4"], left);
    }

    [Fact]
    public async Task The_secret_key_stays_out_of_a_backup_even_when_the_owner_backs_up_its_folder()
    {
        var (_, _, services, _) = await LibraryAsync();
        services.Dispose();
        var (manager, wider) = Library.Create(_boat.Settings(("Backup:Sources:0", "/var/lib/d3kos/"), ("Backup:Sources:1", "/opt/d3kos/config/")));
        using var __ = wider;
        File.WriteAllText(_boat.Root.At("/var/lib/d3kos/notes.txt"), "the boat's own notes");

        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var members = BoatRoot.Tar("tzf", backup.Path);
        Assert.Contains("var/lib/d3kos/notes.txt", members, StringComparison.Ordinal);
        Assert.DoesNotContain("copy-secrets", members, StringComparison.Ordinal);
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(_boat.Root.At("/var/lib/d3kos/copy-secrets/shore")), 8));
    }

    [Fact]
    public async Task A_new_pi_lists_the_bucket_imports_the_newest_copy_and_restores_it_onto_an_empty_root()
    {
        Images(6);
        var (manager, copier, services, bucket) = await LibraryAsync();
        using var _ = services;
        await copier.CopyAsync(manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName, "shore", null, TestContext.Current.CancellationToken);
        var newest = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        await copier.CopyAsync(newest.FileName, "shore", null, TestContext.Current.CancellationToken);
        using var newPi = new BoatRoot(empty: true);
        var (newManager, newCopier, newServices, __) = await LibraryAsync(boat: newPi, bucket: bucket);
        using var ___ = newServices;

        var listed = await newCopier.ListCopiesAsync("shore", TestContext.Current.CancellationToken);
        var imported = await newCopier.ImportFromBucketAsync(listed[0].Address, newManager, TestContext.Current.CancellationToken);
        var restored = newManager.RestoreKept(imported.Backup.Filename, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, listed.Count);
        Assert.Equal($"s3://{bucket}/{Prefix}{newest.FileName}.gpg", listed[0].Address);
        Assert.True(listed[0].SizeBytes > 6 << 20);
        Assert.Equal("imported", imported.Backup.Kind);
        Assert.True(restored.FilesRestored > 5);
        // Every file of the boat's sources is back, byte for byte, on the Pi that had none of them (but an
        // editor's half-written temporary file, which no backup takes).
        File.Delete(_boat.Root.At("/opt/d3kos/config/.settings.json.1234.tmp"));
        foreach (var source in new[] { "/opt/d3kos/config", "/opt/d3kos/data", "/var/www/html", "/home/d3kos" })
        {
            TreeSnapshot.AssertSame(TreeSnapshot.Take(_boat.Root.At(source)), TreeSnapshot.Take(newPi.Root.At(source)));
        }
    }

    [Fact]
    public async Task Reading_a_copy_back_over_a_line_that_drops_resumes_from_the_byte_it_reached()
    {
        Images(24);
        var (manager, copier, services, bucket) = await LibraryAsync();
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var copy = await copier.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken);
        using var proxy = new CuttingProxy(ceph.Port);
        using var newPi = new BoatRoot(empty: true);
        var (newManager, newCopier, newServices, __) = await LibraryAsync(boat: newPi, bucket: bucket, endpoint: proxy.Endpoint, resumeTries: 1);
        using var ___ = newServices;
        proxy.CutAfterReceived(16L << 20);
        var back = Task.Run(async () =>
        {
            await Eventually.TrueAsync(() => proxy.IsCut, "the cut");
            await Task.Delay(2000);
            proxy.Reopen();
        }, TestContext.Current.CancellationToken);

        var imported = await newCopier.ImportFromBucketAsync($"s3://{bucket}/{Prefix}{copy.CopyFile}", newManager, TestContext.Current.CancellationToken);
        await back;

        // After the cut, only the rest came down: the import did not start over. (A reset drops what the
        // client's socket held unread, up to a few MiB on loopback, so the bound leaves room for that.)
        Assert.InRange(proxy.BytesReceived, 1, copy.SizeBytes - (6L << 20));
        Assert.Equal(File.ReadAllBytes(backup.Path), File.ReadAllBytes(Path.Combine(newPi.BackupsFolder, imported.Backup.Filename)));
    }

    [Fact]
    public async Task A_plain_archive_planted_among_the_encrypted_copies_is_not_imported()
    {
        // Whoever else can write to the prefix (another boat's key, a shore side taken over) can put a plain
        // archive there, named to sort first; only the passphrase shows a copy is the boat's own.
        var (manager, copier, services, bucket) = await LibraryAsync();
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        const string Planted = "d3kos_backup_29991231_235959.tar.gz";
        using (var client = ceph.Client())
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Prefix + Planted, FilePath = backup.Path }, TestContext.Current.CancellationToken);
        }

        var listed = await copier.ListCopiesAsync("shore", TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.ImportFromBucketAsync(listed[0].Address, manager, TestContext.Current.CancellationToken));

        Assert.Equal(Planted, listed[0].Name);
        Assert.Equal(BackupError.InvalidArchive, refused.Error);
        Assert.Contains("not encrypted, but this target's copies are", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(manager.List(), b => b.Kind == "imported");
    }

    [Fact]
    public async Task A_copy_damaged_in_the_bucket_is_refused_and_nothing_is_kept()
    {
        var (manager, copier, services, bucket) = await LibraryAsync(encrypt: false);
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var copy = await copier.CopyAsync(backup.FileName, "shore", null, TestContext.Current.CancellationToken);
        var bytes = File.ReadAllBytes(backup.Path);
        bytes[bytes.Length / 2] ^= 0x40;
        using (var client = ceph.Client())
        {
            // The same name and the same recorded checksum, other bytes: what a failing disk on the shore gives.
            var head = await client.GetObjectMetadataAsync(bucket, Prefix + copy.CopyFile, TestContext.Current.CancellationToken);
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Prefix + copy.CopyFile, InputStream = new MemoryStream(bytes), Metadata = { ["sha256"] = head.Metadata["sha256"] } }, TestContext.Current.CancellationToken);
        }
        using var newPi = new BoatRoot(empty: true);
        var (newManager, newCopier, newServices, __) = await LibraryAsync(boat: newPi, bucket: bucket);
        using var ___ = newServices;

        var refused = await Assert.ThrowsAsync<BackupException>(() => newCopier.ImportFromBucketAsync($"s3://{bucket}/{Prefix}{copy.CopyFile}", newManager, TestContext.Current.CancellationToken));
        var unknown = await Assert.ThrowsAsync<BackupException>(() => newCopier.ImportFromBucketAsync($"s3://other-bucket/{Prefix}{copy.CopyFile}", newManager, TestContext.Current.CancellationToken));
        var gone = await Assert.ThrowsAsync<BackupException>(() => newCopier.ImportFromBucketAsync($"s3://{bucket}/{Prefix}d3kos_backup_20200101_000000.tar.gz", newManager, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.InvalidArchive, refused.Error);
        Assert.Contains("arrived damaged", refused.Message, StringComparison.Ordinal);
        Assert.Empty(newManager.List());
        Assert.Empty(Directory.GetFiles(newPi.BackupsFolder, "*.partial"));
        Assert.Equal(BackupError.InvalidInput, unknown.Error);
        Assert.Contains("No S3 target is configured for s3://other-bucket/boats/aurora/", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(BackupError.NotFound, gone.Error);
        Assert.Contains("has no such copy", gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_api_the_secret_is_set_but_never_answered_copies_are_listed_and_a_bad_address_is_refused_before_a_job()
    {
        var (manager, _, services, bucket) = await LibraryAsync(encrypt: false);
        using var __ = services;
        var settings = _boat.Settings(
            ("Backup:Targets:0:Name", "shore"), ("Backup:Targets:0:Kind", "s3"), ("Backup:Targets:0:Format", "openpgp-file"), ("Backup:Targets:0:Endpoint", ceph.Endpoint), ("Backup:Targets:0:Bucket", bucket),
            ("Backup:Targets:0:Prefix", Prefix), ("Backup:Targets:0:AccessKey", CephGateway.AccessKey), ("Backup:Targets:0:PathStyle", "true"),
            ("Backup:Targets:0:Encrypt", "false"), ("Backup:Targets:1:Name", "usb"), ("Backup:Targets:1:Path", "/media/usb"));
        await using var app = new BackupApiApp(settings);
        var client = app.CreateClient();
        var ct = TestContext.Current.CancellationToken;

        using var set = await client.PutAsJsonAsync("/api/backup/targets/shore/secret", new { secret_key = "api-secret-key-0123456789" }, ct);
        var setBody = await set.Content.ReadAsStringAsync(ct);
        using var drive = await client.PutAsJsonAsync("/api/backup/targets/usb/secret", new { secret_key = "x-0123456789" }, ct);
        using var blank = await client.PutAsJsonAsync("/api/backup/targets/shore/secret", new { secret_key = " " }, ct);
        var storedFirst = File.ReadAllText(_boat.Root.At("/var/lib/d3kos/copy-secrets/shore"));
        using var wrongSecretList = await client.GetAsync("/api/backup/targets/shore/copies", ct);
        using var right = await client.PutAsJsonAsync("/api/backup/targets/shore/secret", new { secret_key = CephGateway.SecretKey }, ct);
        using var copy = await client.PostAsJsonAsync("/api/backup/copy", new { backup_file = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName, target = "shore" }, ct);
        using var list = await client.GetAsync("/api/backup/targets/shore/copies", ct);
        using var unknownTarget = await client.GetAsync("/api/backup/targets/nowhere/copies", ct);
        using var badAddress = await client.PostAsJsonAsync("/api/backup/jobs/import", new { address = "s3://elsewhere/boats/aurora/d3kos_backup_20260101_000000.tar.gz" }, ct);

        Assert.Equal(System.Net.HttpStatusCode.OK, set.StatusCode);
        Assert.DoesNotContain("api-secret-key", setBody, StringComparison.Ordinal);
        Assert.Equal("api-secret-key-0123456789", storedFirst);
        await Json.AssertProblemAsync(drive, 400, "no S3 target named 'usb'");
        await Json.AssertProblemAsync(blank, 400, "one line of printable characters");
        await Json.AssertProblemAsync(wrongSecretList, 503, "refused the credentials");
        Assert.Equal(System.Net.HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, copy.StatusCode);
        var copies = (await list.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("copies");
        Assert.Equal(1, copies.GetArrayLength());
        Assert.StartsWith($"s3://{bucket}/{Prefix}d3kos_backup_", copies[0].GetProperty("address").GetString(), StringComparison.Ordinal);
        await Json.AssertProblemAsync(unknownTarget, 400, "No copy target named 'nowhere'");
        await Json.AssertProblemAsync(badAddress, 400, "No S3 target is configured for s3://elsewhere/boats/aurora/");
    }

    [Theory]
    [InlineData("Backup:Targets:0:Endpoint", "s3.amazonaws.com", "Endpoint must be the http:// or https:// address")]
    [InlineData("Backup:Targets:0:Bucket", "Fleet_Backups", "is not a bucket name")]
    [InlineData("Backup:Targets:0:Prefix", "/boats/aurora", "Prefix must be this boat's own folder in the bucket")]
    [InlineData("Backup:Targets:0:Prefix", "", "Prefix must be this boat's own folder in the bucket")]
    [InlineData("Backup:Targets:0:PartSizeMiB", "1", "PartSizeMiB must be 5 to 64")]
    [InlineData("Backup:Targets:0:PartSizeMiB", "512", "PartSizeMiB must be 5 to 64")]
    [InlineData("Backup:Targets:0:AccessKey", "", "AccessKey and Region are required")]
    public void An_s3_setting_that_cannot_work_stops_the_start_with_its_name(string key, string value, string expected)
    {
        var settings = _boat.Settings(("Backup:Targets:0:Name", "shore"), ("Backup:Targets:0:Kind", "s3"), ("Backup:Targets:0:Format", "openpgp-file"), ("Backup:Targets:0:Endpoint", "https://s3.eu-west-1.amazonaws.com"),
            ("Backup:Targets:0:Bucket", "fleet-backups"), ("Backup:Targets:0:Prefix", "boats/aurora/"), ("Backup:Targets:0:AccessKey", "AKIAEXAMPLE"), (key, value));

        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Library.Create(settings));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _boat.Dispose();
}
