using System.Text.Json;

namespace D3kos.Backup.Tests;

/// <summary>What a restore cut off part way leaves on disk: folders its swap set aside, and its journal.</summary>
internal static class CutOffRestore
{
    /// <summary>Moves a source's live folder to where the swap sets it aside, and puts a new one live holding one file.</summary>
    public static void SetAside(BackupSource source, RestoreSwap swap, string newFile, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(swap.Old)!);
        Directory.Move(source.RealPath, swap.Old);
        Directory.CreateDirectory(source.RealPath);
        File.WriteAllText(Path.Combine(source.RealPath, newFile), content);
    }

    /// <summary>The journal as the restore writes it, at <paramref name="phase"/>.</summary>
    public static void WriteJournal(BackupManager manager, string phase, IEnumerable<RestoreSwap> swaps, string? safetyBackup = null)
    {
        Directory.CreateDirectory(manager.Paths.BackupsFolder);
        File.WriteAllText(manager.Paths.JournalFile, JsonSerializer.Serialize(new
        {
            backup_file = "d3kos_backup_20260101_000000.tar.gz",
            phase,
            safety_backup = safetyBackup,
            swaps = swaps.Select(s => new { live = s.Live, staged = s.Staged, old = s.Old, work_folder = s.WorkFolder, live_existed = s.LiveExisted }),
        }));
    }
}
