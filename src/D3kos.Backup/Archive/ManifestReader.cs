using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace D3kos.Backup;

/// <summary>What a manifest says besides its file list, with the list's length and the bytes it adds up to.</summary>
public sealed record ManifestSummary(BackupManifest Header, int FileCount, long TotalBytes);

/// <summary>
/// Reads a manifest without holding its file list: <see cref="Summarize"/> reads it once whole, checking
/// every record and keeping the header and two numbers; <see cref="ManifestCursor"/> then walks the
/// records again, in step with the archive's entries, from a second look at the archive's first member.
/// Memory stays the same for ten files or a hundred thousand.
/// </summary>
internal static class ManifestReader
{
    /// <summary>About 1.5 million files; the bound is on the time spent reading, memory does not grow with it.</summary>
    public const long MaxManifestBytes = 256L << 20;

    /// <summary>A record holds one path (at most PATH_MAX bytes, escaped): far below this.</summary>
    private const int MaxRecordBytes = 1 << 20;

    /// <exception cref="JsonException">The manifest is not well-formed, not this format, or a record is empty.</exception>
    public static ManifestSummary Summarize(Stream data)
    {
        var json = new JsonStreamReader(data, MaxRecordBytes);
        if (json.Next().Type != JsonTokenType.StartObject)
        {
            throw new JsonException("it is not a JSON object");
        }
        int? format = null;
        DateTimeOffset? created = null;
        string? hostname = null, installationId = null;
        List<string>? found = null, skipped = null;
        var (count, total, sawFiles) = (0, 0L, false);
        var context = BackupJsonContext.Default;
        while (json.Next() is { Type: JsonTokenType.PropertyName, Name: var name })
        {
            switch (name)
            {
                case "format_version": format = json.Value(context.Int32); break;
                case "created": created = json.Value(context.DateTimeOffset); break;
                case "hostname": hostname = json.Value(context.String); break;
                case "installation_id": installationId = json.Value(context.String); break;
                case "sources_found": found = json.Value(context.ListString); break;
                case "sources_skipped": skipped = json.Value(context.ListString); break;
                case BackupManifest.FilesProperty when sawFiles:
                    throw new JsonException("it has two file lists");
                case BackupManifest.FilesProperty:
                    ExpectArray(json);
                    while (json.TryNextItem(context.ManifestFile, out var file))
                    {
                        Check(file);
                        count++;
                        total = long.MaxValue - total < file!.Size ? throw new JsonException("its file sizes add up past any disk") : total + file.Size;
                    }
                    sawFiles = true;
                    break;
                default: json.Skip(); break;
            }
        }
        if (format != BackupManifest.CurrentFormat)
        {
            throw new JsonException($"it is not format version {BackupManifest.CurrentFormat}");
        }
        if (created is null || hostname is null || found is null || skipped is null || !sawFiles)
        {
            throw new JsonException("a required field is missing");
        }
        var header = new BackupManifest
        {
            FormatVersion = format.Value, Created = created.Value, Hostname = hostname, InstallationId = installationId,
            SourcesFound = found, SourcesSkipped = skipped,
        };
        return new ManifestSummary(header, count, total);
    }

    /// <summary>The records alone, in order; the manifest was checked whole by <see cref="Summarize"/> first.</summary>
    public static IEnumerable<ManifestFile> Files(Stream data)
    {
        var json = new JsonStreamReader(data, MaxRecordBytes);
        json.Next(); // the object's start
        while (json.Next() is { Type: JsonTokenType.PropertyName, Name: var name })
        {
            if (name != BackupManifest.FilesProperty)
            {
                json.Skip();
                continue;
            }
            ExpectArray(json);
            while (json.TryNextItem(BackupJsonContext.Default.ManifestFile, out var file))
            {
                yield return file!;
            }
            yield break;
        }
    }

    private static void ExpectArray(JsonStreamReader json)
    {
        if (json.Next().Type != JsonTokenType.StartArray)
        {
            throw new JsonException("its file list is not an array");
        }
    }

    private static void Check(ManifestFile? file)
    {
        Span<byte> sha256 = stackalloc byte[32];
        if (file is null || string.IsNullOrEmpty(file.Path) || file.Size < 0
            || file.Sha256 is not { Length: 64 } || Convert.FromHexString(file.Sha256, sha256, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            throw new JsonException("a file record has no path, a negative size or no SHA-256");
        }
    }
}

/// <summary>
/// The manifest's records in step with the archive: each regular file must be the next one listed.
/// Our writer lists files in the order it archives them, so this needs no lookup table. One record of
/// look-ahead tells a file missing from the archive (listed, then passed over) from one out of place.
/// </summary>
internal sealed class ManifestCursor : IDisposable
{
    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private readonly TarReader _tar;
    private readonly IEnumerator<ManifestFile> _records;
    private ManifestFile? _next;
    private ManifestFile? _afterNext;

    public ManifestCursor(string archivePath)
    {
        _file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        _gzip = new GZipStream(_file, CompressionMode.Decompress);
        _tar = new TarReader(_gzip);
        try
        {
            var first = _tar.GetNextEntry() ?? throw new InvalidDataException("the archive is empty");
            _records = ManifestReader.Files(first.DataStream ?? Stream.Null).GetEnumerator();
            _next = Read();
            _afterNext = Read();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// The record of <paramref name="member"/> when it is the next one listed, or the one after it (then
    /// <paramref name="missing"/> names the one passed over); otherwise false and the cursor stays.
    /// </summary>
    public bool TryTake(string member, out ManifestFile listed, out string? missing)
    {
        missing = null;
        if (_next?.Path == member)
        {
            listed = _next;
            Advance();
            return true;
        }
        if (_afterNext?.Path == member)
        {
            missing = _next!.Path;
            listed = _afterNext;
            Advance();
            Advance();
            return true;
        }
        listed = null!;
        return false;
    }

    /// <summary>The paths listed after the last one taken: in the manifest, but not (or not there) in the archive.</summary>
    public IEnumerable<string> Remaining()
    {
        while (_next is not null)
        {
            yield return _next.Path;
            Advance();
        }
    }

    public void Dispose()
    {
        _records?.Dispose();
        _tar.Dispose();
        _gzip.Dispose();
        _file.Dispose();
    }

    private void Advance()
    {
        _next = _afterNext;
        _afterNext = Read();
    }

    private ManifestFile? Read() => _records.MoveNext() ? _records.Current : null;
}
