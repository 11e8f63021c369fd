using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>
/// What a repository target's failure tells the owner, from restic's own "Fatal:" sentence: the same
/// errors, so the same exit codes and HTTP statuses, as the OpenPGP copies to the same kind of target.
/// A copy cut off keeps in the repository what it sent; the next one sends only the rest.
/// </summary>
internal static class RepositoryFailures
{
    public static BackupException? Explain(Exception exception, CopyTargetOptions target, CopyConsequence consequence) => exception switch
    {
        BackupException backup => backup,
        ResticException restic => Explain(restic, target, consequence),
        IOException io when AtomicFile.IsDiskFull(io) => new BackupException(BackupError.DiskFull,
            $"The card is full: the copy for '{target.Name}' could not go on.{consequence.Kept()}", io),
        IOException io when consequence == CopyConsequence.Import => new BackupException(BackupError.TargetUnavailable,
            $"The snapshot from '{target.Name}' could not be read whole ({io.Message.TrimEnd('.')}).{consequence.Kept()}", io),
        _ => null,
    };

    private static BackupException Explain(ResticException restic, CopyTargetOptions target, CopyConsequence consequence)
    {
        var said = BackupPaths.Printable(restic.Fatal).TrimEnd('.');
        var where = target.Kind == CopyTargetOptions.S3Kind ? $"The S3 target '{target.Name}'" : $"The drive '{target.Name}'";
        var kept = consequence.Kept();
        bool Says(params string[] words) => words.Any(word => restic.Errors.Contains(word, StringComparison.OrdinalIgnoreCase));
        return Says("wrong password or no key found") ? new(BackupError.WrongPassphrase,
                $"The passphrase set on this Pi does not open the repository of '{target.Name}' (it was made with another one).{kept}", restic)
            : Says("RequestTimeTooSkewed") ? new(BackupError.TargetUnavailable,
                $"{where} refused the request because this Pi's clock is off (a Pi has no clock of its own: is it synchronised?).{kept}", restic)
            : Says("InvalidAccessKeyId", "SignatureDoesNotMatch", "Access Denied", "AccessDenied") ? new(BackupError.TargetUnavailable,
                $"{where} refused the credentials ({said}): check its AccessKey and secret key (sudo d3kos-backup secret set {target.Name}).{kept}", restic)
            : Says("NoSuchBucket", "bucket does not exist") ? new(BackupError.TargetUnavailable,
                $"{where} has no bucket '{target.Bucket}' at {target.Endpoint}.{kept}", restic)
            : Says("no space left on device") ? new(BackupError.DiskFull,
                $"{where} is full; what was sent stays in the repository for the next copy, and the local backup is kept.", restic)
            : Says("read-only file system") ? new(BackupError.TargetUnavailable,
                $"{where} cannot take a copy: it is read-only (a write-protect switch, or the kernel remounted it after errors).{kept}", restic)
            : Says("already locked exclusively", "unable to create lock") ? new(BackupError.Busy,
                $"{where}'s repository is locked by another computer ({said}); it is not this Pi's lock, so it is not removed: try again later.{kept}", restic)
            : Says("no matching ID found", "no snapshot found", "unable to find snapshot") ? new(BackupError.NotFound,
                $"The repository of '{target.Name}' has no such snapshot (any more: retention may have removed it); 'd3kos-backup copies {target.Name}' lists them.{kept}", restic)
            : Says("connection refused", "no such host", "i/o timeout", "connection reset", "network is unreachable", "EOF", "timeout", "TLS") ? new(BackupError.TargetUnavailable,
                consequence == CopyConsequence.Copy
                    ? $"{where} could not be reached or broke off ({said}); what was sent is kept in the repository, and the next copy sends only the rest. The local backup is kept."
                    : $"{where} could not be reached or broke off ({said}).{kept}", restic)
            : new(BackupError.TargetUnavailable, $"{where}'s repository failed: restic said '{said}'.{kept}", restic);
    }
}
