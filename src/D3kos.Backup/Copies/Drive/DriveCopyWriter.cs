using D3kos.Common.Files;
using D3kos.Common.Interop;

namespace D3kos.Backup;

/// <summary>
/// Writes one copy into a drive's opened copies folder: under a partial name, flushed, read back from the
/// drive and checked, then renamed in. Called under the copy lock, so whatever partial file is found is dead.
/// </summary>
internal sealed class DriveCopyWriter(CopyTargetOptions target, FolderHandle copies)
{
    private const int BufferSize = 1 << 16;

    /// <summary>Writes the copy and checks it; returns its name and size.</summary>
    /// <param name="sentEarlier">The copies this device sent here before, newest first: the only ones room is made with.</param>
    public async Task<SentCopy> WriteAsync(CopySource source, IReadOnlyList<string> sentEarlier, CancellationToken cancellationToken)
    {
        var name = source.CopyName;
        RemoveUnfinished();
        // The encrypted copy is the backup plus a few hundred bytes of OpenPGP framing.
        var needed = source.Length + 64 * 1024;
        MakeRoom(name, sentEarlier, needed + source.FreeSpaceMargin);
        FreeSpace.Ensure(copies.ProcPath, needed, source.FreeSpaceMargin, $"on the drive '{target.Name}'", "The local backup is kept; nothing was written to the drive.");
        var partial = Path.Combine(copies.ProcPath, $".{name}.{Guid.NewGuid():N}.partial");
        var final = Path.Combine(copies.ProcPath, name);
        try
        {
            // CreateNew (O_EXCL) never opens an existing name or follows a symlink put there. The copy is read
            // back through the same handle, never by its name again: whatever else is put at that name is not read.
            await using (var output = new FileStream(partial, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                BufferSize = BufferSize,
                UnixCreateMode = BackupPaths.ArchiveMode,
            }))
            {
                await source.WriteAsync(output, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
                UnixFile.DropCachedPages(output.SafeFileHandle);
                output.Position = 0;
                if (await ReadBackAsync(output, source.Passphrase, cancellationToken).ConfigureAwait(false) != source.Sha256)
                {
                    throw DriveFolder.Unavailable(target, "the copy does not read back as it was written (the drive may be failing); it was removed");
                }
            }
            AtomicFile.MoveDurably(partial, final, overwrite: true);
            if (!source.Encrypted)
            {
                // sha256sum -c on any computer checks a plain copy; an encrypted one carries its own integrity code.
                BackupCatalog.WriteChecksum(final, source.Sha256);
            }
            return new SentCopy(name, new FileInfo(final).Length);
        }
        finally
        {
            AtomicFile.TryDelete(partial);
        }
    }

    /// <summary>The SHA-256 of the backup as the drive gives it back (decrypted, and its integrity code checked, when encrypted).</summary>
    private static async Task<string> ReadBackAsync(FileStream file, char[]? passphrase, CancellationToken cancellationToken)
    {
        // The decryption over the caller's handle is disposed here; the handle itself by the caller.
        await using var content = passphrase is null ? null : OpenPgpFile.OpenDecrypting(file, passphrase);
        await using var hashing = new HashingStream(content ?? file, leaveOpen: true);
        await hashing.CopyToAsync(Stream.Null, BufferSize, cancellationToken).ConfigureAwait(false);
        return hashing.TakeHashHex();
    }

    /// <summary>
    /// On a drive too full for the next copy, removes first the copies that retention removes anyway once it
    /// is written (all but the newest Keep - 1 this device sent, by its ledger, never one of the same name, never
    /// a file someone else put here whatever its name), and only when that is enough:
    /// otherwise nothing is touched and the copy is refused as the drive is. Without this, a stick that filled
    /// up would refuse every later copy while holding only older ones.
    /// </summary>
    private void MakeRoom(string name, IReadOnlyList<string> sentEarlier, long wanted)
    {
        var free = new DriveInfo(copies.ProcPath).AvailableFreeSpace;
        if (free >= wanted)
        {
            return;
        }
        var here = DriveTarget.Copies(copies.ProcPath).ToHashSet(StringComparer.Ordinal);
        var doomed = sentEarlier.Where(here.Contains).Skip(Math.Max(1, target.Keep - 1)).Where(n => n != name).ToList();
        var freed = doomed.Sum(n => new FileInfo(Path.Combine(copies.ProcPath, n)).Length);
        if (free + freed < wanted)
        {
            return;
        }
        foreach (var old in doomed)
        {
            BackupCatalog.Delete(Path.Combine(copies.ProcPath, old));
        }
        copies.Flush();
    }

    /// <summary>
    /// Removes partial copies (and checksum files) that a copy cut off by a crash, a power cut or a pulled
    /// stick left on the drive: only the copy that holds the copy lock writes them, so any found now is dead.
    /// </summary>
    private void RemoveUnfinished()
    {
        // ".d3kos_….partial": a copy; ".d3kos_….sha256.<id>.tmp": its checksum file being written.
        foreach (var stale in Directory.EnumerateFiles(copies.ProcPath, ".d3kos_*").Where(n => n.EndsWith(".partial", StringComparison.Ordinal) || n.EndsWith(".tmp", StringComparison.Ordinal)))
        {
            AtomicFile.TryDelete(stale);
        }
    }
}
