using System.IO.Compression;
using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using D3kos.Common.Files;
using D3kos.Common.Licensing;
using D3kos.Common.Storage;
using D3kos.ExportManager.Queue;
using D3kos.ExportManager.Upload;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>
/// Exports delivered to S3-compatible storage (Central:Url=s3://bucket/prefix), against a real Ceph RADOS
/// Gateway on loopback: objects named by installation, type and queue id, a repeat that overwrites itself,
/// a line that drops and comes back, and refusals that fail the entry without losing its file.
/// </summary>
public sealed class S3DeliveryTests(CephGateway ceph) : IClassFixture<CephGateway>, IDisposable
{
    private const string Json = """{"installation_id":"0123456789abcdef","data":{"boatlog":{"entries":[{"id":1,"content":"Anchored in Tobermory"}]}}}""";
    private const string InstallationId = "0123456789abcdef";
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1, InstallationId);

    private async Task<string> BucketAsync()
    {
        Assert.SkipWhen(ceph.Unavailable is not null, $"The S3 tests need {ceph.Unavailable}.");
        return await ceph.NewBucketAsync();
    }

    private CentralOptions Options(string bucket, string? endpoint = null, bool compression = true) => new()
    {
        Url = $"s3://{bucket}/fleet/exports",
        Endpoint = endpoint ?? ceph.Endpoint,
        AccessKey = CephGateway.AccessKey,
        PathStyle = true,
        Compression = compression,
        Timeout = TimeSpan.FromSeconds(20),
    };

    private S3CentralUploader Uploader(CentralOptions options, string secret = CephGateway.SecretKey) => new(
        S3Connection.Client(options.Endpoint, options.Region, options.PathStyle, options.AccessKey, secret, options.Timeout),
        options,
        new LicenseReader(new D3kosRoot(_root.Path)));

    private QueueHarness Harness(CentralOptions options, string secret = CephGateway.SecretKey) => new(_root, Uploader(options, secret));

    private static string KeyOf(QueueEntry entry) => $"fleet/exports/{InstallationId}/full_export/{entry.Id}.json";

    private async Task<List<string>> KeysAsync(string bucket)
    {
        using var client = ceph.Client();
        var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, TestContext.Current.CancellationToken);
        return [.. (page.S3Objects ?? []).Select(o => o.Key)];
    }

    private async Task<(byte[] Body, GetObjectResponse Response)> ObjectAsync(string bucket, string key)
    {
        using var client = ceph.Client();
        var response = await client.GetObjectAsync(bucket, key, TestContext.Current.CancellationToken);
        using var bytes = new MemoryStream();
        await response.ResponseStream.CopyToAsync(bytes, TestContext.Current.CancellationToken);
        return (bytes.ToArray(), response);
    }

    [Fact]
    public async Task An_export_arrives_as_its_stored_gzip_under_installation_type_and_queue_id()
    {
        var bucket = await BucketAsync();
        using var harness = Harness(Options(bucket));
        var entry = harness.EnqueueGzipFile(Json);

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        Assert.Equal(QueueStatus.Completed, harness.Find(entry.Id).Status);
        Assert.Equal([KeyOf(entry)], await KeysAsync(bucket));
        var (body, response) = await ObjectAsync(bucket, KeyOf(entry));
        using (response)
        {
            Assert.Equal("gzip", response.Headers.ContentEncoding);
            Assert.Equal("application/json", response.Headers.ContentType);
            Assert.Equal(entry.Data.Sha256, response.Metadata["sha256"]);
            Assert.Equal(entry.Id, response.Metadata["queue-id"]);
        }
        Assert.Equal(Json, Gunzip(body));
    }

    [Fact]
    public async Task The_same_queue_id_delivered_again_overwrites_its_own_object()
    {
        var bucket = await BucketAsync();
        var options = Options(bucket);
        using var harness = Harness(options);
        var first = harness.EnqueueGzipFile(Json);
        var second = harness.EnqueueGzipFile(Json);
        var file = harness.Paths.ExportFile(first.Data.ExportFile);
        using var uploader = Uploader(options);

        // An answer lost on the way back: the queue tries again with the same entry.
        Assert.Equal(UploadOutcome.Delivered, await uploader.UploadAsync(first, file, CancellationToken.None));
        Assert.Equal(UploadOutcome.Delivered, await uploader.UploadAsync(first, file, CancellationToken.None));
        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        // Three deliveries of two entries: two objects.
        Assert.Equal(new[] { KeyOf(first), KeyOf(second) }.Order(StringComparer.Ordinal), (await KeysAsync(bucket)).Order(StringComparer.Ordinal));
        Assert.Equal(Json, Gunzip((await ObjectAsync(bucket, KeyOf(first))).Body));
    }

    [Fact]
    public async Task With_compression_off_the_object_is_the_plain_json()
    {
        var bucket = await BucketAsync();
        using var harness = Harness(Options(bucket, compression: false));
        var entry = harness.EnqueueGzipFile(Json);

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        var (body, response) = await ObjectAsync(bucket, KeyOf(entry));
        using (response)
        {
            Assert.True(string.IsNullOrEmpty(response.Headers.ContentEncoding), $"Content-Encoding: {response.Headers.ContentEncoding}");
        }
        Assert.Equal(Json, Encoding.UTF8.GetString(body));
        // The decompressed file was only on the way: nothing is left beside the exports.
        Assert.DoesNotContain(Directory.GetFiles(harness.Paths.ExportFiles), f => Path.GetFileName(f).StartsWith(".sending-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dropped_line_is_retried_and_the_export_arrives_once_it_is_back()
    {
        var bucket = await BucketAsync();
        using var proxy = new CuttingProxy(ceph.Port);
        using var harness = Harness(Options(bucket, endpoint: proxy.Endpoint));
        var entry = harness.EnqueueGzipFile(Json);
        proxy.CutAfter(0); // the marina's Wi-Fi is down

        await harness.Processor.ProcessDueAsync(CancellationToken.None);
        var waiting = harness.Find(entry.Id);
        proxy.Reopen();
        harness.Time.Advance(TimeSpan.FromMinutes(5));
        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        Assert.Equal(QueueStatus.Retry, waiting.Status);
        Assert.Contains("could not be reached", waiting.LastError, StringComparison.Ordinal);
        Assert.Equal(QueueStatus.Completed, harness.Find(entry.Id).Status);
        Assert.Equal([KeyOf(entry)], await KeysAsync(bucket));
    }

    [Fact]
    public async Task Refused_credentials_fail_the_entry_at_once_and_keep_its_file()
    {
        var bucket = await BucketAsync();
        using var harness = Harness(Options(bucket), secret: "not-the-secret-key-at-all-0123456789abc");
        var entry = harness.EnqueueGzipFile(Json);

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        var failed = harness.Find(entry.Id);
        Assert.Equal(QueueStatus.Failed, failed.Status);
        Assert.Equal(1, failed.Attempts);
        Assert.Contains("refused the credentials", failed.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", failed.LastError, StringComparison.Ordinal);
        Assert.True(File.Exists(harness.Paths.FailedExportFile(entry.Data.ExportFile)));
        Assert.Empty(await KeysAsync(bucket));
    }

    [Theory]
    [InlineData("SlowDown", HttpStatusCode.ServiceUnavailable, UploadResult.Retry)]
    [InlineData("InternalError", HttpStatusCode.InternalServerError, UploadResult.Retry)]
    [InlineData("RequestTimeTooSkewed", HttpStatusCode.Forbidden, UploadResult.Retry)]
    [InlineData("BadDigest", HttpStatusCode.BadRequest, UploadResult.Retry)]
    [InlineData("Forbidden", HttpStatusCode.Forbidden, UploadResult.Retry)] // named after its status, no request id: not an S3 server's
    [InlineData("Found", HttpStatusCode.Found, UploadResult.Retry)]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, UploadResult.Reject)]
    [InlineData("NoSuchBucket", HttpStatusCode.NotFound, UploadResult.Reject)]
    [InlineData("QuotaExceeded", HttpStatusCode.BadRequest, UploadResult.Reject)]
    public void Throttling_and_server_errors_are_retried_and_refusals_fail(string code, HttpStatusCode status, UploadResult expected) =>
        Assert.Equal(expected, S3CentralUploader.Classify(new AmazonS3Exception(code) { ErrorCode = code, StatusCode = status, RequestId = code == status.ToString() ? null : "tx0001" }).Kind);

    [Fact]
    public async Task The_service_delivers_to_the_bucket_with_the_secret_from_its_file_and_refuses_a_file_others_can_read()
    {
        var bucket = await BucketAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Central:Url"] = $"s3://{bucket}/fleet/exports",
            ["Central:Endpoint"] = ceph.Endpoint,
            ["Central:AccessKey"] = CephGateway.AccessKey,
            ["Central:PathStyle"] = "true",
        };
        var secretFile = _root.At(CentralSecret.PiFile);

        var (missingExit, missing) = await StartAsync(settings);
        CentralSecret.Write(secretFile, CephGateway.SecretKey, groupId: null);
        File.SetUnixFileMode(secretFile, File.GetUnixFileMode(secretFile) | UnixFileMode.OtherRead);
        var (readableExit, readable) = await StartAsync(settings);

        Assert.Equal(78, missingExit);
        Assert.Contains("there is no secret key in", missing, StringComparison.Ordinal);
        Assert.Contains("d3kos-backup central-secret set", missing, StringComparison.Ordinal);
        Assert.Equal(78, readableExit);
        Assert.Contains("other users can read or change it", readable, StringComparison.Ordinal);
        Assert.DoesNotContain(CephGateway.SecretKey, readable, StringComparison.Ordinal);
        CentralSecret.Write(secretFile, CephGateway.SecretKey, groupId: null);
        await using (var app = new ExportManagerApp(_root, settings))
        {
            var client = app.CreateClient();
            var answer = await client.PostJsonAsync("/export/generate");
            var id = answer.GetProperty("queue_id").GetString();
            // The worker wakes for a new entry within a second (a manual "process" could meet it running: 409).
            await Eventually.TrueAsync(async () => (await KeysAsync(bucket)).Count > 0, "the export in the bucket");

            Assert.Equal([$"fleet/exports/{InstallationId}/full_export/{id}.json"], await KeysAsync(bucket));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretFile));
    }

    /// <summary>Starts the service as systemd would and waits for it to stop; returns its exit code and standard error.</summary>
    private async Task<(int Exit, string Error)> StartAsync(Dictionary<string, string?> settings)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "d3kos-export-manager.dll"), "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["D3KOS_FS_ROOT"] = _root.Path;
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        using var service = System.Diagnostics.Process.Start(start)!;
        _ = service.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await service.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await service.WaitForExitAsync(timeout.Token);
        return (service.ExitCode, error);
    }

    [Fact]
    public async Task A_captive_portals_login_page_is_a_passing_fault_not_refused_credentials()
    {
        // What a marina's Wi-Fi answers before the boat has signed in to it: a 403 web page, no S3 in sight.
        using var portal = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        portal.Start();
        var stop = TestContext.Current.CancellationToken;
        var answering = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await portal.AcceptTcpClientAsync(stop);
                var stream = client.GetStream();
                var request = new byte[64 * 1024];
                _ = await stream.ReadAsync(request, stop);
                const string Page = "<html><body>Sign in to Marina Wi-Fi</body></html>";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: {Page.Length}\r\nConnection: close\r\n\r\n{Page}"), stop);
            }
        }, stop);
        var options = new CentralOptions
        {
            Url = "s3://fleet-exports/boats", Endpoint = $"http://127.0.0.1:{((IPEndPoint)portal.LocalEndpoint).Port}", AccessKey = "AKIAEXAMPLE",
            PathStyle = true, Timeout = TimeSpan.FromSeconds(20),
        };
        using var harness = Harness(options, secret: "portal-test-secret-0123456789");
        var entry = harness.EnqueueGzipFile(Json);

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        var waiting = harness.Find(entry.Id);
        Assert.Equal(QueueStatus.Retry, waiting.Status);
        Assert.DoesNotContain("refused the credentials", waiting.LastError, StringComparison.Ordinal);
        Assert.False(answering.IsFaulted, answering.Exception?.Message);
    }

    [Fact]
    public void A_secret_key_file_another_group_can_read_is_refused()
    {
        var file = _root.At(CentralSecret.PiFile);
        CentralSecret.Write(file, "fleet-bucket-secret-key", groupId: 4242); // a group this process is not in

        var refused = Assert.Throws<D3kos.Common.Hosting.ConfigurationRefusedException>(() => CentralSecret.Read(file, "Central:SecretKeyFile"));
        CentralSecret.Write(file, "fleet-bucket-secret-key", groupId: D3kos.Common.Security.ProcessIdentity.EffectiveGroupId());

        Assert.Contains("other users can read or change it", refused.Message, StringComparison.Ordinal);
        Assert.Equal("fleet-bucket-secret-key", CentralSecret.Read(file, "Central:SecretKeyFile"));
    }

    [Fact]
    public async Task A_queue_id_that_is_not_a_plain_name_never_names_an_object()
    {
        var bucket = await BucketAsync();
        var options = Options(bucket);
        using var harness = Harness(options);
        var entry = harness.EnqueueGzipFile(Json) with { Id = "../../other-boat/x" };
        using var uploader = Uploader(options);

        var outcome = await uploader.UploadAsync(entry, harness.Paths.ExportFile(entry.Data.ExportFile), CancellationToken.None);

        Assert.Equal(UploadResult.Reject, outcome.Kind);
        Assert.Empty(await KeysAsync(bucket));
    }

    private static string Gunzip(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var reader = new StreamReader(input, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public void Dispose() => _root.Dispose();
}
