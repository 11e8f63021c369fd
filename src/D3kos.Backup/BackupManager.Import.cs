using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>Import: a backup made elsewhere, or a copy brought back, received, checked and kept.</summary>
public sealed partial class BackupManager
{
    /// <summary>How long a received and checked import waits for a running backup or restore before it gives up (409).</summary>
    private static readonly TimeSpan ImportLockPatience = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Keeps a backup made elsewhere (a new Pi after the old card died, a copy from a stick): streamed to a
    /// partial file, decrypted when it is an encrypted copy (with this device's passphrase; its integrity
    /// code checked), verified whole, then named for when it arrived, as kind "imported". Never for the date
    /// inside it: an archive from outside could claim 2999 and push the boat's own backups out of retention.
    /// The answer says when it was really made and by which installation (its manifest), for the owner to see.
    /// </summary>
    /// <param name="expectedSha256">The SHA-256 the sender gave for these bytes (a copy in a bucket has one), checked before anything else.</param>
    /// <param name="requireEncrypted">Refuse a plain archive: a copy from a target whose copies are encrypted was made with this passphrase, or not by this boat.</param>
    /// <param name="copyName">The name it had where it came from (a bucket, a drive): when that says when it was made, the manifest must agree (<see cref="CopyNameCheck"/>).</param>
    /// <param name="recogniseHeld">Answer a backup already in the folder (the same SHA-256) with that one, keeping nothing new: the page's uploads
    /// and bring-backs, where a second identical row only confuses. The CLI imports what it is told to.</param>
    public async Task<ImportResult> ImportAsync(Stream body, CancellationToken cancellationToken, string? expectedSha256 = null, bool requireEncrypted = false,
        string? copyName = null, bool recogniseHeld = false)
    {
        paths.EnsureBackupsFolder();
        using var importing = await BackupLock.AcquireImportAsync(paths, cancellationToken);
        var partial = Path.Combine(paths.BackupsFolder, $".upload-{Guid.NewGuid():N}.partial");
        var decrypted = partial + "-decrypted.partial";
        try
        {
            var sha256 = await ReceiveAsync(body, partial, cancellationToken);
            if (expectedSha256 is not null && !string.Equals(sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new BackupException(BackupError.InvalidArchive,
                    $"The copy arrived damaged: its SHA-256 is {sha256}, not the {expectedSha256} it was sent with. Nothing was kept.");
            }
            var encrypted = OpenPgpFile.LooksEncrypted(partial);
            if (!encrypted && !OpenPgpFile.LooksGzip(partial))
            {
                // Said before any passphrase or archive check: those would name a problem this file does not have.
                throw new BackupException(BackupError.InvalidArchive,
                    "This file is not a d3kOS backup, whatever its name says: a backup is a .tar.gz that d3kOS made, or a .gpg copy of one. Nothing was kept.");
            }
            if (requireEncrypted && !encrypted)
            {
                // Whoever can write to the bucket could put a plain archive there; the passphrase is what shows a copy is the boat's own.
                throw new BackupException(BackupError.InvalidArchive,
                    "The copy is not encrypted, but this target's copies are: it was not made by this boat's copies, so nothing was kept.");
            }
            if (encrypted)
            {
                sha256 = await Task.Run(() => Decrypt(partial, decrypted), cancellationToken);
                AtomicFile.TryDelete(partial);
                partial = decrypted;
            }
            if (recogniseHeld && HeldAlready(sha256) is { } held)
            {
                // The same bytes twice (uploaded again, brought back again) would be two identical rows.
                return Describe(held, ArchiveReader.ReadManifestOnly(paths.BackupFile(held.Filename))?.Header, alreadyHeld: true);
            }
            var report = ArchiveReader.Read(partial, paths.Sources, options.Value.MaxRestoreBytes);
            if (!report.Valid)
            {
                throw new BackupException(report.Failure, $"The uploaded file is not a usable backup: {string.Join("; ", report.Errors.Take(3)).TrimEnd('.')}. Nothing was kept.");
            }
            var made = report.Manifest?.Header;
            if (copyName is not null)
            {
                CopyNameCheck.Check(copyName, made);
            }
            using var _ = await BackupLock.AcquireAsync(paths, ImportLockPatience, cancellationToken);
            var name = BackupNames.NewName(paths.BackupsFolder, BackupNames.ImportedPrefix, time.GetUtcNow());
            var kept = Path.Combine(paths.BackupsFolder, name);
            AtomicFile.MoveDurably(partial, kept);
            BackupCatalog.WriteChecksum(kept, sha256);
            Log.Imported(logger, name);
            ApplyRetention(BackupNames.ImportedPrefix, name);
            return Describe(BackupCatalog.Describe(paths, name), made, alreadyHeld: false);
        }
        finally
        {
            AtomicFile.TryDelete(partial);
            AtomicFile.TryDelete(decrypted);
        }
    }

    private BackupInfo? HeldAlready(string sha256) =>
        BackupCatalog.List(paths).FirstOrDefault(b => string.Equals(b.Sha256, sha256, StringComparison.OrdinalIgnoreCase));

    private ImportResult Describe(BackupInfo backup, BackupManifest? made, bool alreadyHeld)
    {
        var madeHere = made?.InstallationId is { } id && id == license.Read().InstallationId;
        return new ImportResult(backup, made?.Created, made?.InstallationId, madeHere, alreadyHeld);
    }

    /// <summary>Streams an upload into a new owner-only file, within the size limit; returns its SHA-256.</summary>
    private async Task<string> ReceiveAsync(Stream body, string partial, CancellationToken cancellationToken)
    {
        await using var file = BackupPaths.CreateArchive(partial, FileAccess.Write, useAsync: true);
        // Hashed as it arrives, so the list never has to read a large upload again for its checksum.
        await using var hashing = new HashingStream(file, leaveOpen: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > options.Value.MaxUploadBytes)
            {
                throw new BackupException(BackupError.TooLarge, $"The upload is larger than the {options.Value.MaxUploadBytes / (1024 * 1024)} MiB limit; nothing was kept.");
            }
            await hashing.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
        return hashing.TakeHashHex();
    }

    /// <summary>Decrypts an encrypted copy into a new owner-only file; returns the backup's SHA-256.</summary>
    /// <summary>Decrypts a copy of this boat's into a new archive file beside it; returns the SHA-256 of what it wrote.</summary>
    internal string Decrypt(string encrypted, string decrypted)
    {
        var secret = passphrase.Read();
        try
        {
            using var input = new FileStream(encrypted, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var content = OpenPgpFile.OpenDecrypting(input, secret);
            // Space for the encrypted size at least (a copy of ours decrypts to a few hundred bytes less).
            FreeSpace.Ensure(paths.BackupsFolder, input.Length, options.Value.FreeSpaceMarginBytes, "to decrypt the copy", "Nothing was kept.");
            using var output = BackupPaths.CreateArchive(decrypted, FileAccess.Write);
            using var hashing = new HashingStream(output, leaveOpen: true);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = content.Read(buffer)) > 0)
            {
                // gpg's own copies may be compressed: a few KB can inflate without end, so the upload limit
                // holds for what comes out, and the free space is looked at again every 16 MiB of it.
                if (hashing.BytesPassed + read > options.Value.MaxUploadBytes)
                {
                    throw new BackupException(BackupError.TooLarge, $"The decrypted copy is larger than the {options.Value.MaxUploadBytes / (1024 * 1024)} MiB upload limit; nothing was kept.");
                }
                if ((hashing.BytesPassed + read) / (16 << 20) != hashing.BytesPassed / (16 << 20))
                {
                    FreeSpace.Ensure(paths.BackupsFolder, 16 << 20, options.Value.FreeSpaceMarginBytes, "to decrypt the copy", "Nothing was kept.");
                }
                hashing.Write(buffer, 0, read);
            }
            output.Flush(flushToDisk: true);
            return hashing.TakeHashHex();
        }
        finally
        {
            Array.Clear(secret);
        }
    }
}
