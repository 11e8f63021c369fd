using System.Text.Json;
using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>The restore's journal: which phase it reached and where each source's old and new copies are.</summary>
internal static class RestoreJournalFile
{
    public static void Write(BackupPaths paths, RestoreJournal journal) =>
        AtomicFile.WriteJson(paths.JournalFile, journal, BackupJsonContext.Default.RestoreJournal);

    public static RestoreJournal? Read(BackupPaths paths)
    {
        if (!File.Exists(paths.JournalFile))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(paths.JournalFile), BackupJsonContext.Default.RestoreJournal);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Delete(BackupPaths paths)
    {
        // Flushing the backups folder is enough: sync() would write out every dirty page on the card.
        if (File.Exists(paths.JournalFile))
        {
            AtomicFile.DeleteDurably(paths.JournalFile);
        }
    }
}
