using System.Runtime.ExceptionServices;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using Microsoft.Data.Sqlite;
using D3kos.Common.Security;

namespace D3kos.Backup;

/// <summary>The user whose file rights a database is read with: see <see cref="SqliteSnapshot.ReaderFor"/>.</summary>
internal readonly record struct ReaderRights(int Uid);

/// <summary>
/// Copies a live database through SQLite's online backup API: the copy is one consistent state
/// even while another process writes, which copying the file (and its -wal) is not.
/// </summary>
internal static class SqliteSnapshot
{
    /// <summary>nobody and nogroup on Debian and Raspberry Pi OS.</summary>
    private const int Nobody = 65534, NoGroup = 65534;

    /// <summary>How long a copy may take before the backup gives up on it: far more than a season's database needs.</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whose file rights the snapshot of <paramref name="databasePath"/> is read with; null for the service's
    /// own. SQLite opens a database, its -wal and its -shm by path and follows symlinks, so a user who can
    /// change a folder on the way (their home, <c>/home/d3kos/.signalk</c>) could swap it, or the file, for
    /// a link to a database of root's just while SQLite opens it, and swap it back before the walk checks the
    /// name again: root would archive another database as the user's, and a restore would hand it to them.
    /// Read as that user (the owner of the first folder others can change, nobody when that folder is root's
    /// and open to a group or to all), with no group, the path reaches only what they could read anyway. A
    /// path only root can change is read as the service, as before (the boat log under /opt/d3kos, which
    /// its owner may not even reach); so is every path when the service is not root (nothing to gain).
    /// </summary>
    public static ReaderRights? ReaderFor(string databasePath)
    {
        if (ProcessIdentity.EffectiveUserId() != 0
            || FolderChain.FirstChangeableByOthers(Path.GetDirectoryName(databasePath)!) is not { } changeable)
        {
            return null;
        }
        return new ReaderRights(FileStat.TryLstat(changeable, out var folder) && folder.Uid != 0 ? folder.Uid : Nobody);
    }

    /// <summary>
    /// Copies the database at <paramref name="databasePath"/> to a new file, reading it with
    /// <paramref name="reader"/>'s rights when given (see <see cref="ReaderFor"/>).
    /// </summary>
    /// <exception cref="UnreadableException">The reader may not open or read it along its path.</exception>
    public static void Copy(string databasePath, string snapshotPath, ReaderRights? reader, TimeSpan? timeLimit = null)
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
        // SQLite opens without O_NONBLOCK: a FIFO the user swapped in after the walk would hold the open,
        // and with it the backup lock, for ever. The thread is left behind; the backup fails.
        var limit = timeLimit ?? DefaultTimeLimit;
        if (!thread.Join(limit))
        {
            throw new IOException($"'{databasePath}' could not be copied within {limit.TotalSeconds:0} s (a FIFO in its place?).");
        }
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
            ThreadFileIdentity.Take(rights.Uid, NoGroup);
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
        catch (SqliteException ex) when (reader is not null && IsRefusal(ex))
        {
            throw new UnreadableException(reader.Value.Uid, ex);
        }
        finally
        {
            if (reader is not null)
            {
                ThreadFileIdentity.Resume();
            }
        }
        // A snapshot of a WAL database is itself in WAL mode; fold it into one self-contained file.
        Execute(target, "PRAGMA journal_mode=DELETE");
    }

    /// <summary>
    /// SQLite's answers for a file its reader may not open or read: SQLITE_PERM, SQLITE_CANTOPEN, and
    /// SQLITE_READONLY_CANTINIT or _DIRECTORY (a WAL database whose -shm it may not make). Not a hot
    /// journal it cannot roll back, nor a damaged file: those fail the backup as they always did.
    /// </summary>
    private static bool IsRefusal(SqliteException ex) =>
        ex.SqliteErrorCode is 3 or 14 || ex.SqliteExtendedErrorCode is 1288 or 1544;

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The reader could not open or read the database along its path (with the service's rights it might have).</summary>
    internal sealed class UnreadableException(int uid, SqliteException inner)
        : IOException($"user {uid} cannot read it along its path ({inner.Message.TrimEnd('.')})", inner);
}
