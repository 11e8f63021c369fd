using System.Security.Cryptography;
using System.Text;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// What waits on the card to be sent to one S3 target, in its outgoing folder (root's alone): the encrypted
/// copy, written whole before a byte is sent so that a resumed upload sends the very bytes whose parts the
/// bucket has, and the id of the upload that sends it. Both outlive a cut-off run; a sent copy removes them.
/// </summary>
internal sealed class S3Staging(CopyTargetOptions target, string outgoingFolder)
{
    /// <summary>The file to send: the encrypted copy (made unless a run before left it, whole), or the backup itself.</summary>
    public async Task<string> PrepareAsync(CopySource source, CancellationToken cancellationToken)
    {
        if (source.Passphrase is not { } passphrase)
        {
            return source.Path;
        }
        Directory.CreateDirectory(outgoingFolder, BackupPaths.FolderMode);
        var staged = Path.Combine(outgoingFolder, source.CopyName);
        // The backup's checksum and the passphrase's fingerprint: after "key set" a staged copy made with the
        // old passphrase is never sent.
        var made = $"{source.Sha256} {PassphraseFingerprint(passphrase)}";
        if (File.Exists(staged) && File.Exists(staged + ".source")
            && (await File.ReadAllTextAsync(staged + ".source", cancellationToken).ConfigureAwait(false)).Trim() == made)
        {
            return staged; // left by a cut-off run: its parts in the bucket are of these very bytes
        }
        RemoveAll();
        FreeSpace.Ensure(outgoingFolder, source.Length + 64 * 1024, source.FreeSpaceMargin, $"to encrypt the copy for '{target.Name}'", "The local backup is kept; nothing was sent.");
        var partial = staged + ".partial";
        try
        {
            await using (var output = new FileStream(partial, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = BackupPaths.ArchiveMode }))
            {
                await source.WriteAsync(output, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }
            AtomicFile.MoveDurably(partial, staged, overwrite: true);
            AtomicFile.Write(staged + ".source", stream => stream.Write(Encoding.ASCII.GetBytes(made + "\n")), BackupPaths.ArchiveMode);
            return staged;
        }
        finally
        {
            AtomicFile.TryDelete(partial);
        }
    }

    /// <summary>Where the id of the upload of this copy is kept while it is unfinished.</summary>
    public string UploadStateFile(string copyName) => Path.Combine(outgoingFolder, copyName + ".upload");

    public void RememberUpload(string copyName, string uploadId)
    {
        Directory.CreateDirectory(outgoingFolder, BackupPaths.FolderMode);
        AtomicFile.Write(UploadStateFile(copyName), stream => stream.Write(Encoding.ASCII.GetBytes(uploadId + "\n")), BackupPaths.ArchiveMode);
    }

    /// <summary>Removes everything staged for this target.</summary>
    public void RemoveAll()
    {
        if (!Directory.Exists(outgoingFolder))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(outgoingFolder))
        {
            AtomicFile.TryDelete(file);
        }
    }

    private static string PassphraseFingerprint(char[] passphrase) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(passphrase), "d3kos-staged-copy"u8))[..16];
}
