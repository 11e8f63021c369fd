using System.Security.Cryptography;
using System.Text;
using D3kos.Common.Files;
using D3kos.Common.Licensing;
using D3kos.ExportManager.Queue;
using D3kos.ExportManager.Upload;
using D3kos.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace D3kos.ExportManager.Tests;

/// <summary>A queue (store and processor) on a test root, driven by a fake clock, uploading to a real loopback server.</summary>
internal sealed class QueueHarness : IDisposable
{
    public QueueHarness(TempRoot root, Uri central, ExportOptions? options = null, TimeSpan? timeout = null, bool compression = true)
        : this(root, new HttpCentralUploader(
            new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan },
            central,
            new CentralOptions { Url = central.ToString(), Timeout = timeout ?? TimeSpan.FromSeconds(10), Compression = compression },
            new LicenseReader(new D3kosRoot(root.Path))), options)
    {
    }

    /// <summary>A queue delivering through the given uploader (an S3 one, in the S3 tests).</summary>
    public QueueHarness(TempRoot root, ICentralUploader uploader, ExportOptions? options = null)
    {
        Root = root;
        Paths = new ExportPaths(new D3kosRoot(root.Path));
        Options = options ?? new ExportOptions();
        Store = new QueueStore(Paths, Time, NullLogger<QueueStore>.Instance);
        Processor = new QueueProcessor(Store, Paths, Microsoft.Extensions.Options.Options.Create(Options), uploader, Time, NullLogger<QueueProcessor>.Instance);
    }

    public TempRoot Root { get; }
    public ExportPaths Paths { get; }
    public ExportOptions Options { get; }
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 2, 20, 12, 0, 0, TimeSpan.Zero));
    public QueueStore Store { get; }
    public QueueProcessor Processor { get; }

    /// <summary>Writes a small export file and queues it, as the API does.</summary>
    public QueueEntry EnqueueFile(string content = """{"data":{}}""")
    {
        var name = $"export_{Guid.NewGuid():N}.json";
        Directory.CreateDirectory(Paths.ExportFiles);
        var bytes = Encoding.UTF8.GetBytes(content);
        File.WriteAllBytes(Paths.ExportFile(name), bytes);
        return Store.Enqueue(ExportType.FullExport, new ExportData
        {
            ExportId = name,
            ExportFile = name,
            SizeBytes = bytes.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
        });
    }

    /// <summary>Writes an export the way the builder does now (gzip, checksum of the stored bytes) and queues it.</summary>
    public QueueEntry EnqueueGzipFile(string content)
    {
        Directory.CreateDirectory(Paths.ExportFiles);
        var id = $"export_{Guid.NewGuid():N}";
        var written = Exports.ExportFileWriter.Write(Paths.ExportFiles, id, writer => System.Text.Json.JsonDocument.Parse(content).WriteTo(writer));
        return Store.Enqueue(ExportType.FullExport, new ExportData
        {
            ExportId = id,
            ExportFile = written.FileName,
            SizeBytes = written.SizeBytes,
            Sha256 = written.Sha256,
        });
    }

    public QueueEntry Find(string id) =>
        Store.ActiveEntries().Concat(Store.HistoryEntries()).Single(e => e.Id == id);

    public void Dispose() => Processor.Dispose();
}
