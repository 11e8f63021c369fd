using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>What reading a whole archive found.</summary>
/// <param name="HasUnsafeEntries">An entry a restore must never write (as opposed to damage or a checksum mismatch).</param>
public sealed record VerifyReport(bool Valid, int FilesChecked, IReadOnlyList<string> Errors, ManifestSummary? Manifest, bool HasUnsafeEntries)
{
    public BackupError Failure => HasUnsafeEntries ? BackupError.UnsafeArchive : BackupError.InvalidArchive;

    /// <summary>A plain tar.gz of the sources made by d3kOS v0.9.1.2's create-backup.sh: no manifest, no per-file checksums.</summary>
    public bool Legacy { get; init; }

    /// <summary>The sources the archive holds (from the manifest, or for a legacy archive from its entries).</summary>
    public IReadOnlyList<string> SourcesFound { get; init; } = [];

    /// <summary>The bytes its files take when unpacked.</summary>
    public long TotalBytes { get; init; }

    public const string LegacyNote = "This backup was made by d3kOS v0.9.1.2 (plain tar.gz): it has no per-file checksums, so only the gzip checksum of the whole file and the restore's entry checks could be applied.";
}

/// <summary>Receives the entries of an archive that passed every check so far (the restore's extractor).</summary>
internal interface IArchiveSink
{
    /// <summary>A file begins: its bytes follow through <see cref="Write"/>.</summary>
    void BeginFile(TarEntry entry, string member, BackupSource source);

    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>The bytes written so far matched: the file gets its metadata and is closed.</summary>
    void EndFile(TarEntry entry, string member, BackupSource source);

    void Other(TarEntry entry, string member, BackupSource source);
}

/// <summary>
/// Reads an archive end to end: the manifest first, every entry checked against the policy and
/// every file against its checksum. With a sink it also unpacks, stopping at the first problem.
/// An archive whose first member is not the manifest but a path inside a source is a legacy backup
/// (d3kOS v0.9.1.2's <c>tar czf</c> of the sources): every entry gets the same policy, the gzip
/// checksum covers the whole file, and there are no per-file checksums to compare.
/// </summary>
internal static class ArchiveReader
{
    private const int MaxErrors = 50;

    /// <param name="progress">Told how much of the archive file has been read.</param>
    /// <param name="fileHash">Given every byte of the archive file as it is read, for a check of the whole file in the same pass.</param>
    /// <param name="bytesPerSecond">Without progress: reads the archive no faster than this (0: as fast as the card gives it), for the scheduled check of what is stored.</param>
    public static VerifyReport Read(string archivePath, IReadOnlyList<BackupSource> sources, long maxBytes, IArchiveSink? sink = null,
        BackupProgress? progress = null, string phase = BackupProgress.Checking, IncrementalHash? fileHash = null, long bytesPerSecond = 0,
        CancellationToken cancellationToken = default)
    {
        var errors = new List<string>();
        ManifestSummary? manifest = null;
        var filesChecked = 0;
        var hasUnsafe = false;
        var legacy = false;
        var sourcesFound = new HashSet<string>(StringComparer.Ordinal);
        var total = 0L;
        ManifestCursor? expected = null;
        try
        {
            using var archiveFile = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var throttled = bytesPerSecond > 0 ? new ThrottledStream(archiveFile, bytesPerSecond) : (Stream)archiveFile;
            using var read = progress is null ? throttled : new ProgressReadStream(archiveFile, progress, phase);
            using var file = fileHash is null ? read : new HashingStream(read, leaveOpen: true, sharedHash: fileHash);
            // Decompressed on a thread of its own, while this one checks, hashes and writes.
            using var gzip = new ReadAheadStream(new GZipStream(file, CompressionMode.Decompress), chunkSize: 1 << 18);
            using var tar = new TarReader(gzip);
            var policy = new EntryPolicy(sources);
            var first = tar.GetNextEntry();
            // The legacy test must not consume policy state: a fresh policy judges the first entry.
            legacy = first is not null && first.Name != BackupManifest.MemberName && new EntryPolicy(sources).Check(first).Error is null;
            var pending = legacy ? first : null;
            manifest = legacy ? null : ReadManifest(first, errors);
            if (manifest is null && !legacy)
            {
                return new VerifyReport(false, 0, errors, null, false);
            }
            // The records are read a second time, one by one in step with the entries, so none is held.
            expected = legacy ? null : new ManifestCursor(archivePath);
            var buffer = new byte[1 << 16];
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            while ((pending ?? tar.GetNextEntry()) is { } entry && errors.Count < MaxErrors)
            {
                pending = null;
                cancellationToken.ThrowIfCancellationRequested();
                if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                {
                    continue;
                }
                var (member, source, problem) = policy.Check(entry);
                total += entry.Length;
                if (problem is null && total > maxBytes)
                {
                    problem = $"the archive expands past the {maxBytes / (1024 * 1024)} MiB restore limit";
                }
                if (problem is not null)
                {
                    hasUnsafe = true;
                    // A refused file that the manifest lists is passed over there too, so one problem reports once.
                    expected?.TryTake(member, out _, out _);
                    Fail(errors, problem, sink, BackupError.UnsafeArchive);
                    continue;
                }
                sourcesFound.Add(source!.PiPath);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    sink?.Other(entry, member, source!);
                    continue;
                }
                filesChecked++;
                if (expected is null)
                {
                    // Legacy: nothing to compare with; the bytes are read (and copied) so the gzip checksum covers them.
                    sink?.BeginFile(entry, member, source!);
                    HashAndCopy(entry, sink, hash, buffer);
                    sink?.EndFile(entry, member, source!);
                    continue;
                }
                if (!expected.TryTake(member, out var listed, out var missing))
                {
                    Fail(errors, $"file '{BackupPaths.Printable(member)}' is not in the manifest, or not where the manifest lists it", sink);
                    continue;
                }
                if (missing is not null)
                {
                    Fail(errors, $"file '{BackupPaths.Printable(missing)}' is in the manifest but not in the archive", sink);
                }
                // The size in the header is known before a byte is read: a file larger than its manifest
                // entry is refused before it reaches staging, not after.
                if (entry.Length != listed.Size)
                {
                    Fail(errors, $"file '{BackupPaths.Printable(member)}' is {entry.Length} bytes where the manifest says {listed.Size}", sink);
                    continue;
                }
                sink?.BeginFile(entry, member, source!);
                var actual = HashAndCopy(entry, sink, hash, buffer);
                if (!Convert.FromHexString(listed.Sha256).AsSpan().SequenceEqual(actual))
                {
                    Fail(errors, $"file '{BackupPaths.Printable(member)}' does not match its checksum", sink);
                    continue;
                }
                sink?.EndFile(entry, member, source!);
            }
            if (expected is not null && errors.Count < MaxErrors)
            {
                errors.AddRange(expected.Remaining().Take(MaxErrors - errors.Count)
                    .Select(missing => $"file '{BackupPaths.Printable(missing)}' is in the manifest but not in the archive"));
            }
            // tar stops at its end-of-archive blocks: read what follows so gzip checks the CRC of every member.
            gzip.CopyTo(Stream.Null);
        }
        catch (Exception ex) when (sink is null && ex is InvalidDataException or EndOfStreamException or FormatException or IOException or ArgumentException or JsonException or OverflowException)
        {
            errors.Add($"the archive is truncated or corrupt: {ex.Message}");
        }
        finally
        {
            expected?.Dispose();
        }
        return new VerifyReport(errors.Count == 0, filesChecked, errors, manifest, hasUnsafe)
        {
            Legacy = legacy,
            SourcesFound = legacy ? [.. sourcesFound.Order(StringComparer.Ordinal)] : manifest?.Header.SourcesFound ?? [],
            TotalBytes = total,
        };
    }

    /// <summary>True when the archive's first member is not the manifest (a legacy backup, or not a backup at all).</summary>
    public static bool LacksManifest(string archivePath)
    {
        try
        {
            using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            return tar.GetNextEntry()?.Name != BackupManifest.MemberName;
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            return false; // unreadable: the list shows it by its name; verify says what is wrong
        }
    }

    /// <summary>The manifest's summary alone (one streamed read of it), or null when the first member is not a readable one.</summary>
    public static ManifestSummary? ReadManifestOnly(string archivePath)
    {
        try
        {
            using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            return ReadManifest(tar.GetNextEntry(), []);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            return null;
        }
    }

    private static ManifestSummary? ReadManifest(TarEntry? first, List<string> errors)
    {
        if (first is null || first.Name != BackupManifest.MemberName || first.DataStream is null)
        {
            errors.Add($"the first member is not {BackupManifest.MemberName}: this is not a d3kOS backup");
            return null;
        }
        if (first.Length > ManifestReader.MaxManifestBytes)
        {
            errors.Add("the manifest is larger than any real backup's");
            return null;
        }
        try
        {
            return ManifestReader.Summarize(first.DataStream);
        }
        catch (JsonException ex)
        {
            errors.Add($"the manifest cannot be read: {ex.Message}");
            return null;
        }
    }

    /// <summary>Reads a file's bytes through SHA-256 (one hash object for the whole archive) and on to the sink.</summary>
    private static byte[] HashAndCopy(TarEntry entry, IArchiveSink? target, IncrementalHash hash, byte[] buffer)
    {
        using var data = new HashingStream(entry.DataStream ?? Stream.Null, leaveOpen: true, sharedHash: hash);
        int read;
        while ((read = data.Read(buffer)) > 0)
        {
            target?.Write(buffer.AsSpan(0, read));
        }
        return data.TakeHash();
    }

    /// <summary>Verifying lists every problem; unpacking stops at the first.</summary>
    private static void Fail(List<string> errors, string problem, IArchiveSink? sink, BackupError kind = BackupError.InvalidArchive)
    {
        if (sink is not null)
        {
            throw new BackupException(kind, $"Restore refused, nothing was changed: {problem}.");
        }
        errors.Add(problem);
    }
}
