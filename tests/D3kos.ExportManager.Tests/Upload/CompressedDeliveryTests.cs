using System.IO.Compression;
using System.Text;
using D3kos.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>
/// Exports travel as they are stored: gzip with Content-Encoding and the same Idempotency-Key on every
/// attempt, the checksum being of the bytes sent. Plain files from before compression still deliver,
/// and a central that cannot take an encoded body gets the JSON (Central:Compression=false).
/// </summary>
public sealed class CompressedDeliveryTests : IAsyncLifetime
{
    private const string Json = """{"installation_id":"0123456789abcdef","data":{"boatlog":{"entries":[{"id":1,"content":"Anchored"}]}}}""";
    private readonly TempRoot _root = new TempRoot().WithLicense(tier: 1);
    private LoopbackCentral _central = null!;

    public async ValueTask InitializeAsync() => _central = await LoopbackCentral.StartAsync();

    [Fact]
    public async Task A_gzip_export_is_sent_gzip_with_its_header_and_key_on_every_attempt()
    {
        _central.Script(CentralBehaviour.ServiceUnavailable, CentralBehaviour.Ok);
        using var harness = new QueueHarness(_root, _central.Url);
        var entry = harness.EnqueueGzipFile(Json);

        await harness.Processor.ProcessDueAsync(CancellationToken.None);
        harness.Time.Advance(TimeSpan.FromMinutes(5));
        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        var received = _central.Received.ToArray();
        Assert.Equal(2, received.Length);
        Assert.All(received, r =>
        {
            Assert.Equal(entry.Id, r.IdempotencyKey);
            Assert.Equal("gzip", r.ContentEncoding);
            Assert.Equal("application/json", r.ContentType);
            Assert.Equal(entry.Data.Sha256, r.BodySha256);
            Assert.Equal(entry.Data.SizeBytes, r.Body.LongLength);
            Assert.Equal(Json, Gunzip(r.Body));
        });
        Assert.True(entry.Data.SizeBytes > 0);
    }

    [Fact]
    public async Task With_compression_off_the_central_gets_plain_json()
    {
        using var harness = new QueueHarness(_root, _central.Url, compression: false);
        var entry = harness.EnqueueGzipFile(Json);

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        var received = Assert.Single(_central.Received);
        Assert.Null(received.ContentEncoding);
        Assert.Equal(Json, Encoding.UTF8.GetString(received.Body));
        Assert.Equal(entry.Id, received.IdempotencyKey);
    }

    [Fact]
    public async Task A_plain_export_from_before_compression_still_delivers_as_it_is()
    {
        using var harness = new QueueHarness(_root, _central.Url);
        var entry = harness.EnqueueFile(Json);

        await harness.Processor.ProcessDueAsync(CancellationToken.None);

        var received = Assert.Single(_central.Received);
        Assert.Null(received.ContentEncoding);
        Assert.Equal(entry.Data.Sha256, received.BodySha256);
        Assert.Equal(Json, Encoding.UTF8.GetString(received.Body));
    }

    private static string Gunzip(byte[] body)
    {
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        await _central.DisposeAsync();
        _root.Dispose();
    }
}
