using Amazon.S3.Model;
using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>Copies to S3-compatible storage, against a real Ceph RADOS Gateway on loopback.</summary>
public sealed class S3CopyTests(CephGateway ceph) : IClassFixture<CephGateway>, IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private const string Prefix = "boats/aurora/";
    private readonly BoatRoot _boat = new();

    private async Task<(BackupManager Manager, BackupCopier Copier, ServiceProvider Services, string Bucket)> LibraryAsync(
        bool encrypt = true, int keep = 10, string? endpoint = null, string secret = CephGateway.SecretKey, TimeProvider? time = null, int resumeTries = 0)
    {
        Assert.SkipWhen(ceph.Unavailable is not null, $"The S3 tests need {ceph.Unavailable}.");
        var bucket = await ceph.NewBucketAsync();
        var (manager, services) = Library.Create(_boat.Settings(
            ("Backup:Targets:0:Name", "shore"),
            ("Backup:Targets:0:Kind", "s3"),
            ("Backup:Targets:0:Endpoint", endpoint ?? ceph.Endpoint),
            ("Backup:Targets:0:Bucket", bucket),
            ("Backup:Targets:0:Prefix", Prefix),
            ("Backup:Targets:0:AccessKey", CephGateway.AccessKey),
            ("Backup:Targets:0:PathStyle", "true"),
            ("Backup:Targets:0:PartSizeMiB", "5"),
            ("Backup:Targets:0:Encrypt", encrypt ? "true" : "false"),
            ("Backup:Targets:0:ResumeTries", resumeTries.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Backup:Targets:0:Keep", keep.ToString(System.Globalization.CultureInfo.InvariantCulture))), time);
        services.GetRequiredService<BackupPassphrase>().Set(Passphrase);
        services.GetRequiredService<CopySecrets>().Set("shore", secret);
        return (manager, services.GetRequiredService<BackupCopier>(), services, bucket);
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
        var backup = manager.Create();

        var copy = copier.Copy(backup.FileName, "shore");

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
        var backup = manager.Create();
        var before = File.ReadAllBytes(backup.Path);

        var failure = Assert.Throws<BackupException>(() => copier.Copy(backup.FileName, "shore"));

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
            copies.Add(copier.Copy(manager.Create().FileName, "shore").CopyFile);
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
        var backup = manager.Create();
        proxy.CutAfter(8L << 20); // inside the second part

        var cut = Assert.Throws<BackupException>(() => copier.Copy(backup.FileName, "shore"));
        var staged = Directory.GetFiles(_boat.Root.At("/opt/d3kos/backups/.outgoing/shore"));
        proxy.Reopen();
        var copy = copier.Copy(backup.FileName, "shore");
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
        var backup = manager.Create();
        proxy.CutAfter(8L << 20);
        // The Wi-Fi comes back after two seconds; the copy waits ten, then resumes.
        var back = Task.Run(async () =>
        {
            await Eventually.TrueAsync(() => proxy.IsCut, "the cut");
            await Task.Delay(2000);
            proxy.Reopen();
        }, TestContext.Current.CancellationToken);

        var copy = copier.Copy(backup.FileName, "shore");
        await back;

        Assert.InRange(proxy.BytesSent, 1, new FileInfo(backup.Path).Length - (4L << 20));
        await AssertObjectIsTheBackupAsync(bucket, copy.CopyFile, backup.Path);
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

        copier.Copy(manager.Create().FileName, "shore");
        var afterAnHour = (await client.ListMultipartUploadsAsync(bucket, TestContext.Current.CancellationToken)).MultipartUploads.Select(u => u.Key).Order(StringComparer.Ordinal).ToList();
        time.Advance(TimeSpan.FromDays(2));
        copier.Copy(manager.Create().FileName, "shore");

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

        var backup = manager.Create();

        var members = BoatRoot.Tar("tzf", backup.Path);
        Assert.Contains("var/lib/d3kos/notes.txt", members, StringComparison.Ordinal);
        Assert.DoesNotContain("copy-secrets", members, StringComparison.Ordinal);
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(_boat.Root.At("/var/lib/d3kos/copy-secrets/shore")), 8));
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
        var settings = _boat.Settings(("Backup:Targets:0:Name", "shore"), ("Backup:Targets:0:Kind", "s3"), ("Backup:Targets:0:Endpoint", "https://s3.eu-west-1.amazonaws.com"),
            ("Backup:Targets:0:Bucket", "fleet-backups"), ("Backup:Targets:0:Prefix", "boats/aurora/"), ("Backup:Targets:0:AccessKey", "AKIAEXAMPLE"), (key, value));

        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Library.Create(settings));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _boat.Dispose();
}
