using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace D3kos.Backup.Tests;

/// <summary>Builds archives by hand, hostile ones included, with a manifest that lists the given files.</summary>
internal sealed class ArchiveBuilder
{
    private readonly List<(TarEntry Entry, byte[]? Data)> _entries = [];
    private readonly List<object> _manifestFiles = [];

    public ArchiveBuilder File(string name, string content, string? claimedSha256 = null) => File(name, Encoding.UTF8.GetBytes(content), claimedSha256);

    public ArchiveBuilder File(string name, byte[] content, string? claimedSha256 = null, UnixFileMode mode = (UnixFileMode)0x1a4, long? claimedSize = null)
    {
        _entries.Add((new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = mode }, content));
        _manifestFiles.Add(new { path = name.TrimStart('/'), size = claimedSize ?? content.Length, sha256 = claimedSha256 ?? Convert.ToHexStringLower(SHA256.HashData(content)) });
        return this;
    }

    public ArchiveBuilder Folder(string name, UnixFileMode mode = (UnixFileMode)0x1ed)
    {
        _entries.Add((new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode }, null));
        return this;
    }

    public ArchiveBuilder Symlink(string name, string target)
    {
        _entries.Add((new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target }, null));
        return this;
    }

    public ArchiveBuilder HardLink(string name, string target)
    {
        _entries.Add((new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target }, null));
        return this;
    }

    public ArchiveBuilder Special(TarEntryType type, string name)
    {
        _entries.Add((new PaxTarEntry(type, name), null));
        return this;
    }

    /// <summary>The same entries as a plain tar.gz with no manifest, the form of d3kOS v0.9.1.2's backups.</summary>
    public void WriteWithoutManifest(string path) => Write(path, withManifest: false);

    public void Write(string path, DateTimeOffset? created = null) => Write(path, withManifest: true, created);

    private void Write(string path, bool withManifest, DateTimeOffset? created = null)
    {
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            format_version = 1,
            created = created ?? new DateTimeOffset(2026, 1, 15, 9, 30, 0, TimeSpan.Zero),
            hostname = "other-boat",
            installation_id = "bbbbbbbbbbbbbbbb",
            sources_found = new[] { "/opt/d3kos/config" },
            sources_skipped = Array.Empty<string>(),
            files = _manifestFiles,
        });
        using var file = System.IO.File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        if (withManifest)
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "d3kos-backup.json") { DataStream = new MemoryStream(manifest) });
        }
        foreach (var (entry, data) in _entries)
        {
            if (data is not null)
            {
                entry.DataStream = new MemoryStream(data);
            }
            tar.WriteEntry(entry);
        }
    }
}
