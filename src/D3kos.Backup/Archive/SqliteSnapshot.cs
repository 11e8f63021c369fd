using System.Runtime.ExceptionServices;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using Microsoft.Data.Sqlite;

namespace D3kos.Backup;

/// <summary>The user and group whose rights a database is read with: see <see cref="SqliteSnapshot.ReaderFor"/>.</summary>
internal readonly record struct ReaderRights(int Uid, int Gid);

/// <summary>
/// Copies a live database through SQLite's online backup API: the copy is one consistent state
/// even while another process writes, which copying the file (and its -wal) is not.
/// </summary>
internal static class SqliteSnapshot
{
    private const int Nobody = 65534;

    /// <summary>
    /// Whose rights the snapshot of <paramref name="databasePath"/> is read with; null for the service's own.
    /// SQLite opens a database, its -wal and its -shm by path and follows symlinks, so a user who can change
    /// a folder on the way (their home, <c>/home/d3kos/.signalk</c>) could swap it, or the file, for a link
    /// to a database of root's just while SQLite opens it, and swap it back before the walk checks the name
    /// again: root would archive another database as the user's, and a restore would hand it to them. Read
    /// with the file owner's rights, the path reaches only what its owner can read anyway. A path that only
    /// root can change is read as the service, as before (the boat log under /opt/d3kos, which its owner
    /// may not even reach). A root-owned file in a folder another user can change is read as that folder's
    /// owner, or as nobody when that is root (a folder writable by a group or by all).
    /// </summary>
    public static ReaderRights? ReaderFor(string databasePath, int fileUid, int fileGid)
    {
        if (LibC.EffectiveUserId() != 0
            || FolderChain.FirstChangeableByOthers(Path.GetDirectoryName(databasePath)!) is not { } changeable)
        {
            return null; // not root (nothing to gain), or nobody else can change the path
        }
        if (fileUid != 0)
        {
            return new ReaderRights(fileUid, fileGid);
        }
        return LibC.TryStat(changeable, out var folder) && folder.Uid != 0
            ? new ReaderRights(folder.Uid, folder.Gid)
            : new ReaderRights(Nobody, Nobody);
    }

    /// <summary>
    /// Copies the database at <paramref name="databasePath"/> to a new file, reading it with
    /// <paramref name="reader"/>'s rights when given (see <see cref="ReaderFor"/>).
    /// </summary>
    public static void Copy(string databasePath, string snapshotPath, ReaderRights? reader)
    {
        if (reader is null)
        {
            CopyAs(databasePath, snapshotPath, reader);
            return;
        }
        // A thread of its own: the file identity is the thread's, and a pool thread would carry it into
        // other work; this one ends with the copy.
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                CopyAs(databasePath, snapshotPath, reader);
            }
            catch (Exception ex)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
        })
        { Name = "database snapshot", IsBackground = true };
        thread.Start();
        thread.Join();
        failure?.Throw();
    }

    private static void CopyAs(string databasePath, string snapshotPath, ReaderRights? reader)
    {
        // The snapshot is made and opened with the service's rights, in its own folder (root's alone), before
        // the reader's are taken on: with them it could not be written there. No journal: it is a scratch file,
        // deleted if the copy fails, and a journal would be one more file to make in that folder.
        using var target = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = snapshotPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        target.Open();
        Execute(target, "PRAGMA journal_mode=OFF");

        if (reader is { } rights)
        {
            LibC.TakeFileIdentity(rights.Uid, rights.Gid);
        }
        try
        {
            using var source = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = databasePath,
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
                DefaultTimeout = 30,
            }.ToString());
            source.Open();
            source.BackupDatabase(target);
        }
        finally
        {
            if (reader is not null)
            {
                LibC.ResumeOwnFileIdentity();
            }
        }
        // A snapshot of a WAL database is itself in WAL mode; fold it into one self-contained file.
        Execute(target, "PRAGMA journal_mode=DELETE");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
