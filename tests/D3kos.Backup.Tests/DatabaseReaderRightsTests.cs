using System.Formats.Tar;
using System.IO.Compression;
using D3kos.Common.Interop;
using Microsoft.Data.Sqlite;

namespace D3kos.Backup.Tests;

/// <summary>
/// SQLite opens a database by path and follows links, so root's snapshot of a database in a folder a user
/// owns (/home/d3kos/.signalk) could be pointed at a database of root's by swapping a folder just while
/// SQLite opens it. Read with the owner's rights, the path reaches only what the owner can read. Root only:
/// taking on another user's rights is root's.
/// </summary>
public sealed class DatabaseReaderRightsTests : IDisposable
{
    private const int Nobody = 65534;
    private readonly BoatRoot _boat = new();
    private readonly string _plugins;

    public DatabaseReaderRightsTests()
    {
        Assert.SkipUnless(LibC.EffectiveUserId() == 0, "needs root, to read as another user as the backup API does");
        _plugins = _boat.Root.At("/home/d3kos/.signalk");
        _boat.Root.OpenFoldersAbove(Path.Combine(_plugins, "x"));
        LibC.SetOwner(_boat.Root.At("/home/d3kos"), Nobody, Nobody);
        LibC.SetOwner(_plugins, Nobody, Nobody);
    }

    [Fact]
    public void A_users_live_database_is_read_with_the_users_rights_and_archived_with_its_newest_rows()
    {
        var database = Path.Combine(_plugins, "plugin-data.db");
        // The plugin keeps it open in WAL mode, its rows not yet checkpointed: the snapshot must read the -wal
        // through the -shm, both the user's, as the user.
        using var writer = new SqliteConnection($"Data Source={database};Pooling=False");
        writer.Open();
        Execute(writer, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(v TEXT);");
        for (var i = 0; i < 100; i++)
        {
            Execute(writer, $"INSERT INTO t VALUES ('row {i}')");
        }
        foreach (var file in new[] { database, database + "-wal", database + "-shm" })
        {
            LibC.SetOwner(file, Nobody, Nobody);
        }
        Assert.Equal(new ReaderRights(Nobody, Nobody), SqliteSnapshot.ReaderFor(database, Nobody, Nobody));
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var backup = manager.Create();

        var extracted = Directory.CreateTempSubdirectory("d3kos-snapshot-").FullName;
        try
        {
            var copy = Extract(backup.Path, "home/d3kos/.signalk/plugin-data.db", extracted);
            using var read = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False");
            read.Open();
            using var count = read.CreateCommand();
            count.CommandText = "SELECT count(*) FROM t";
            Assert.Equal(100L, (long)count.ExecuteScalar()!);
        }
        finally
        {
            Directory.Delete(extracted, recursive: true);
        }
    }

    [Fact]
    public void A_folder_swapped_for_a_link_to_roots_database_yields_nothing_of_roots()
    {
        // The swapped state itself: .signalk/sub, the user's to change, is now a link to a folder of root's.
        var roots = _boat.Root.At("/root/private");
        Directory.CreateDirectory(roots);
        File.SetUnixFileMode(roots, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using (var secret = new SqliteConnection($"Data Source={Path.Combine(roots, "x.db")};Pooling=False"))
        {
            secret.Open();
            Execute(secret, "CREATE TABLE s(v TEXT); INSERT INTO s VALUES ('root''s secret');");
        }
        File.CreateSymbolicLink(Path.Combine(_plugins, "sub"), roots);
        var path = Path.Combine(_plugins, "sub", "x.db");
        var scratch = Directory.CreateTempSubdirectory("d3kos-snapshot-").FullName; // root's alone, as the backups folder
        try
        {
            // The walk found the user's own x.db there, so the reader is the user.
            var reader = SqliteSnapshot.ReaderFor(path, Nobody, Nobody);
            Assert.Equal(new ReaderRights(Nobody, Nobody), reader);

            var refused = Assert.Throws<SqliteException>(() => SqliteSnapshot.Copy(path, Path.Combine(scratch, "a.db"), reader));
            Assert.Equal(14, refused.SqliteErrorCode); // SQLITE_CANTOPEN: the user cannot enter root's folder

            // With root's own rights the same path reads root's database: what the swap was after.
            SqliteSnapshot.Copy(path, Path.Combine(scratch, "b.db"), reader: null);
            Assert.True(new FileInfo(Path.Combine(scratch, "b.db")).Length > 0);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public void Whose_rights_follow_from_who_can_change_the_path()
    {
        // Only root can change the boat log's path: read as the service, as its owner may not reach it.
        Assert.Null(SqliteSnapshot.ReaderFor(_boat.Root.At("/opt/d3kos/data/boatlog/boatlog.db"), 0, 0));
        // A root-owned file where the user can change the path: read as that folder's owner.
        Assert.Equal(new ReaderRights(Nobody, Nobody), SqliteSnapshot.ReaderFor(Path.Combine(_plugins, "root-owned.db"), 0, 0));
        // A group-writable folder of root's: anyone in the group could swap, so root's file is read as nobody.
        var shared = _boat.Root.At("/opt/d3kos/shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_101);
        Assert.Equal(new ReaderRights(Nobody, Nobody), SqliteSnapshot.ReaderFor(Path.Combine(shared, "x.db"), 0, 0));
        // A user's file in a path only root can change keeps the service's rights.
        Assert.Null(SqliteSnapshot.ReaderFor(_boat.Root.At("/opt/d3kos/data/user.db"), 1000, 1000));
    }

    [Fact]
    public void A_database_its_owner_cannot_reach_is_left_out_and_the_backup_goes_on()
    {
        var locked = Path.Combine(_plugins, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // root's alone
        var database = Path.Combine(locked, "x.db");
        using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            Execute(connection, "CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('a');");
        }
        LibC.SetOwner(database, Nobody, Nobody);
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var backup = manager.Create();

        var members = Members(backup.Path);
        Assert.DoesNotContain("home/d3kos/.signalk/locked/x.db", members);
        Assert.Contains("home/d3kos/.signalk/settings.json", members);
        Assert.True(manager.Verify(backup.FileName).Valid);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static HashSet<string> Members(string archive)
    {
        using var gzip = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var members = new HashSet<string>(StringComparer.Ordinal);
        while (tar.GetNextEntry() is { } entry)
        {
            members.Add(entry.Name.TrimEnd('/'));
        }
        return members;
    }

    private static string Extract(string archive, string member, string into)
    {
        using var gzip = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name == member)
            {
                var path = Path.Combine(into, Path.GetFileName(member));
                entry.ExtractToFile(path, overwrite: false);
                return path;
            }
        }
        throw new InvalidOperationException($"{member} is not in the archive");
    }

    public void Dispose() => _boat.Dispose();
}
