using D3kos.Backup;

namespace D3kos.BackupCli;

/// <summary>Exit codes of d3kos-backup, for scripts (documented in the README and in --help).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Busy = 3;
    public const int InvalidArchive = 4;
    public const int DiskFull = 5;
    public const int NotFound = 6;

    public static int From(BackupError error) => error switch
    {
        BackupError.Busy => Busy,
        BackupError.InvalidArchive or BackupError.UnsafeArchive => InvalidArchive,
        BackupError.DiskFull => DiskFull,
        BackupError.NotFound => NotFound,
        BackupError.InvalidName or BackupError.TooLarge => Usage,
        _ => Failed,
    };
}
