using Amazon.Runtime;
using Amazon.S3;
using D3kos.Common.Files;
using D3kos.Common.Storage;

namespace D3kos.Backup;

/// <summary>
/// What an S3 target's failure tells the owner: refused credentials and a missing bucket say so; a network
/// that drops or a server that fails keeps what was sent, and the next copy resumes from there. The
/// library's own failures pass as they are; anything else is a bug and is not explained.
/// </summary>
internal static class S3Failures
{
    public static BackupException? Explain(Exception exception, CopyTargetOptions target, CopyConsequence consequence) => exception switch
    {
        BackupException backup => backup,
        IOException io when AtomicFile.IsDiskFull(io) => new BackupException(BackupError.DiskFull, consequence == CopyConsequence.Import
            ? "The card is full: the copy from the bucket could not be kept; nothing was imported."
            : $"The card is full: the copy for '{target.Name}' could not be encrypted; nothing was sent and the local backup is kept.", io),
        AmazonS3Exception s3 when s3.ErrorCode == "RequestTimeTooSkewed" => new BackupException(BackupError.TargetUnavailable,
            $"The S3 target '{target.Name}' refused the request because this Pi's clock is off (a Pi has no clock of its own: is it synchronised?).{consequence.Kept()}", s3),
        AmazonS3Exception s3 when S3Connection.IsRefusedCredentials(s3) =>
            new BackupException(BackupError.TargetUnavailable,
                $"The S3 target '{target.Name}' refused the credentials ({s3.ErrorCode}): check its AccessKey and secret key (sudo d3kos-backup secret set {target.Name}).{consequence.Kept()}", s3),
        AmazonS3Exception s3 when s3.ErrorCode == "NoSuchBucket" => new BackupException(BackupError.TargetUnavailable,
            $"The S3 target '{target.Name}' has no bucket '{target.Bucket}' at {target.Endpoint}.{consequence.Kept()}", s3),
        AmazonS3Exception s3 when consequence == CopyConsequence.Import && (s3.StatusCode == System.Net.HttpStatusCode.NotFound || s3.ErrorCode == "PreconditionFailed") =>
            new BackupException(BackupError.NotFound,
                $"The bucket of '{target.Name}' has no such copy (any more: retention may have removed it, or it was replaced while it was read); 'd3kos-backup copies {target.Name}' lists them. Nothing was imported.", s3),
        _ when S3Connection.IsTransient(exception) => new BackupException(BackupError.TargetUnavailable, consequence == CopyConsequence.Copy
            ? $"The S3 target '{target.Name}' could not be reached or broke off ({exception.Message.TrimEnd('.')}); the parts sent are kept, and copying this backup again resumes from there. The local backup is kept."
            : $"The S3 target '{target.Name}' could not be reached or broke off ({exception.Message.TrimEnd('.')}).{consequence.Kept()}", exception),
        AmazonServiceException service => new BackupException(BackupError.TargetUnavailable,
            $"The S3 target '{target.Name}' refused the request ({service.ErrorCode}: {service.Message.TrimEnd('.')}); a full bucket or a quota says so here.{consequence.Kept()}", service),
        _ => null,
    };
}
