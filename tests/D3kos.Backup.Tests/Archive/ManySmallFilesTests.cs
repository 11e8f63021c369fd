using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace D3kos.Backup.Tests;

/// <summary>
/// The parts that keep a backup's memory flat in the number of files: the manifest is written from a
/// spool and read as a stream, in step with the archive; folders get their metadata when the archive
/// has moved past them.
/// </summary>
public sealed class ManySmallFilesTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Fact]
    public void Restore_brings_back_modes_and_times_of_files_and_of_nested_and_read_only_folders()
    {
        var plugins = _boat.Root.At("/home/d3kos/.signalk/node_modules");
        var deep = Path.Combine(plugins, "a", "b", "c");
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "index.js"), "module.exports = 1;");
        File.WriteAllText(Path.Combine(plugins, "a", "tool.sh"), "#!/bin/sh");
        File.SetUnixFileMode(Path.Combine(plugins, "a", "tool.sh"), (UnixFileMode)0x1ed); // 755
        var locked = Path.Combine(plugins, "locked");
        Directory.CreateDirectory(locked);
        File.WriteAllText(Path.Combine(locked, "inside.json"), "{}");
        File.SetUnixFileMode(locked, (UnixFileMode)0x16d); // 555: its file must still be written on restore
        var stamp = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        // Before 1970 with a fraction of a second: futimens needs the seconds floored, not truncated.
        var moonLanding = new DateTime(1969, 7, 20, 20, 17, 40, 500, DateTimeKind.Utc);
        File.WriteAllText(Path.Combine(plugins, "old.txt"), "one small step");
        File.SetLastWriteTimeUtc(Path.Combine(plugins, "old.txt"), moonLanding);
        string[] stamped = [Path.Combine(deep, "index.js"), deep, Path.Combine(plugins, "a", "b"), Path.Combine(plugins, "a"), locked];
        foreach (var path in stamped)
        {
            File.SetLastWriteTimeUtc(path, stamp);
        }
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        File.SetUnixFileMode(locked, (UnixFileMode)0x1ed);
        Directory.Delete(Path.Combine(plugins, "a"), recursive: true);
        File.WriteAllText(Path.Combine(locked, "inside.json"), "changed");

        manager.RestoreKept(backup.FileName, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        foreach (var path in stamped)
        {
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
        }
        Assert.Equal(moonLanding, File.GetLastWriteTimeUtc(Path.Combine(plugins, "old.txt")));
        Assert.Equal((UnixFileMode)0x16d, File.GetUnixFileMode(locked));
        Assert.Equal("{}", File.ReadAllText(Path.Combine(locked, "inside.json")));
        Assert.Equal((UnixFileMode)0x1ed, File.GetUnixFileMode(Path.Combine(plugins, "a", "tool.sh")));
        Assert.Equal("module.exports = 1;", File.ReadAllText(Path.Combine(deep, "index.js")));
    }

    [Fact]
    public void Verify_reads_a_manifest_whose_file_list_comes_before_its_other_fields()
    {
        var path = WriteArchive(filesFirst: true, files: [("opt/d3kos/config/a.json", "{}"), ("opt/d3kos/config/b.json", "[]")]);
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var report = manager.VerifyFile(path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(report.Valid, string.Join("; ", report.Errors));
        Assert.Equal(2, report.FilesChecked);
    }

    [Fact]
    public void Verify_when_the_manifest_lists_the_files_in_another_order_is_invalid_and_says_where()
    {
        var path = WriteArchive(filesFirst: false, listedInReverse: true, files: [("opt/d3kos/config/a.json", "{}"), ("opt/d3kos/config/b.json", "[]")]);
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var report = manager.VerifyFile(path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(report.Valid);
        // Listed [b, a], archived [a, b]: a is taken with b passed over, then b comes where nothing is listed.
        Assert.Contains(report.Errors, e => e.Contains("opt/d3kos/config/b.json", StringComparison.Ordinal) && e.Contains("not where the manifest lists it", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_when_the_manifest_lists_a_file_the_archive_lacks_names_it()
    {
        var path = WriteArchive(filesFirst: false, extraListed: "opt/d3kos/config/gone.json", files: [("opt/d3kos/config/a.json", "{}")]);
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var report = manager.VerifyFile(path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(report.Valid);
        Assert.Contains("file 'opt/d3kos/config/gone.json' is in the manifest but not in the archive", report.Errors);
    }

    [Fact]
    public void Verify_when_one_listed_file_is_missing_in_the_middle_names_that_file_once()
    {
        var path = WriteArchive(filesFirst: false, middleMissing: "opt/d3kos/config/gone.json",
            files: [("opt/d3kos/config/a.json", "{}"), ("opt/d3kos/config/b.json", "[]"), ("opt/d3kos/config/c.json", "1")]);
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var report = manager.VerifyFile(path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(report.Valid);
        Assert.Equal(["file 'opt/d3kos/config/gone.json' is in the manifest but not in the archive"], report.Errors);
    }

    [Fact]
    public void Summarize_reads_a_manifest_that_arrives_one_byte_at_a_time()
    {
        var records = Enumerable.Range(0, 2000).Select(i => new { path = $"home/d3kos/.signalk/node_modules/p{i}/index.js", size = i, sha256 = new string('a', 64) });
        var json = JsonSerializer.SerializeToUtf8Bytes(new
        {
            format_version = 1, created = DateTimeOffset.UnixEpoch, hostname = "helm", installation_id = (string?)null,
            sources_found = new[] { "/home/d3kos/.signalk" }, sources_skipped = Array.Empty<string>(), files = records,
        });

        var summary = ManifestReader.Summarize(new OneByteStream(json));
        var listed = ManifestReader.Files(new OneByteStream(json)).Select(f => f.Path).ToList();

        Assert.Equal(2000, summary.FileCount);
        Assert.Equal(Enumerable.Range(0, 2000).Sum(i => (long)i), summary.TotalBytes);
        Assert.Equal("helm", summary.Header.Hostname);
        Assert.Equal(records.Select(r => r.path), listed);
    }

    [Theory]
    [InlineData("""{"format_version":2,"created":"2026-01-01T00:00:00Z","hostname":"h","sources_found":[],"sources_skipped":[],"files":[]}""")]
    [InlineData("""{"format_version":1,"created":"2026-01-01T00:00:00Z","hostname":"h","sources_found":[],"sources_skipped":[]}""")]
    [InlineData("""{"format_version":1,"created":"2026-01-01T00:00:00Z","hostname":"h","sources_found":[],"sources_skipped":[],"files":[{"path":"x","size":-1,"sha256":"00"}]}""")]
    [InlineData("""{"format_version":1,"created":"2026-01-01T00:00:00Z","hostname":"h","sources_found":[],"sources_skipped":[],"files":[null]}""")]
    [InlineData("""{"format_version":1,"files":[""")]
    [InlineData("""{"format_version":1,"created":"2026-01-01T00:00:00Z","hostname":"h","sources_found":[],"sources_skipped":[],"files":[{"path":null,"size":1,"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}]}""")]
    [InlineData("""{"format_version":1,"created":"2026-01-01T00:00:00Z","hostname":"h","sources_found":[],"sources_skipped":[],"files":[{"path":"x","size":1,"sha256":null}]}""")]
    [InlineData("""{"format_version":1,"created":"2026-01-01T00:00:00Z","hostname":"h","sources_found":[],"sources_skipped":[],"files":[],"files":[]}""")]
    [InlineData("""{"format_version":1,"created":"2026-01-01T00:00:00Z","hostname":"h","sources_found":[],"sources_skipped":[],"files":[{"path":"a","size":9223372036854775807,"sha256":"0000000000000000000000000000000000000000000000000000000000000000"},{"path":"b","size":9223372036854775807,"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}]}""")]
    public void Summarize_RefusesAManifestThatIsNotWhole(string manifest)
    {
        Assert.ThrowsAny<JsonException>(() => ManifestReader.Summarize(new MemoryStream(Encoding.UTF8.GetBytes(manifest))));
    }

    /// <summary>An archive with a hand-written manifest: its field order and its file order chosen by the test.</summary>
    private string WriteArchive(bool filesFirst, (string Path, string Content)[] files, bool listedInReverse = false, string? extraListed = null, string? middleMissing = null)
    {
        var records = files.Select(f => $$"""{"path":"{{f.Path}}","size":{{Encoding.UTF8.GetByteCount(f.Content)}},"sha256":"{{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(f.Content)))}}"}""").ToList();
        if (listedInReverse)
        {
            records.Reverse();
        }
        if (middleMissing is not null)
        {
            records.Insert(1, $$"""{"path":"{{middleMissing}}","size":2,"sha256":"{{new string('0', 64)}}"}""");
        }
        if (extraListed is not null)
        {
            records.Add($$"""{"path":"{{extraListed}}","size":2,"sha256":"{{new string('0', 64)}}"}""");
        }
        var list = $"\"files\":[{string.Join(",", records)}]";
        const string Header = "\"format_version\":1,\"created\":\"2026-01-15T09:30:00Z\",\"hostname\":\"other-boat\",\"sources_found\":[\"/opt/d3kos/config\"],\"sources_skipped\":[]";
        var manifest = filesFirst ? $"{{{list},{Header}}}" : $"{{{Header},{list}}}";
        var path = Path.Combine(_boat.Root.Path, "hand-made.tar.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "d3kos-backup.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(manifest)) });
            foreach (var (member, content) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, member) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }
        }
        return path;
    }

    /// <summary>Gives one byte per read, so every token and record crosses a refill of the reader's window.</summary>
    private sealed class OneByteStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 1)]);
    }

    public void Dispose() => _boat.Dispose();
}
