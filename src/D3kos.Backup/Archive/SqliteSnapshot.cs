using Microsoft.Data.Sqlite;

namespace D3kos.Backup;

/// <summary>
/// Copies a live database through SQLite's online backup API: the copy is one consistent state
/// even while another process writes, which copying the file (and its -wal) is not.
/// </summary>
internal static class SqliteSnapshot
{
    public static void Copy(string databasePath, string snapshotPath)
    {
        using var source = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        using var target = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = snapshotPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        source.Open();
        target.Open();
        source.BackupDatabase(target);
        // A snapshot of a WAL database is itself in WAL mode; fold it into one self-contained file.
        using var command = target.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=DELETE";
        command.ExecuteNonQuery();
    }
}
