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
        Assert.SkipUnless(D3kos.Common.Security.ProcessIdentity.EffectiveUserId() == 0, "needs root, to read as another user as the backup API does");
        _plugins = _boat.Root.At("/home/d3kos/.signalk");
        _boat.Root.OpenFoldersAbove(Path.Combine(_plugins, "x"));
        UnixFile.SetOwner(_boat.Root.At("/home/d3kos"), Nobody, Nobody);
        UnixFile.SetOwner(_plugins, Nobody, Nobody);
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
            UnixFile.SetOwner(file, Nobody, Nobody);
        }
        Assert.Equal(new ReaderRights(Nobody), SqliteSnapshot.ReaderFor(database));
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

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
        // The swapped state itself: .signalk/sub, the user's to change, is now a link to a folder of root's,
        // open to root's group (0750, the database 0640): under sudo root's thread carries group 0 with it.
        var roots = _boat.Root.At("/root/private");
        Directory.CreateDirectory(roots);
        File.SetUnixFileMode(roots, (UnixFileMode)0b111_101_000);
        var secretDatabase = Path.Combine(roots, "x.db");
        using (var secret = new SqliteConnection($"Data Source={secretDatabase};Pooling=False"))
        {
            secret.Open();
            Execute(secret, "CREATE TABLE s(v TEXT); INSERT INTO s VALUES ('root''s secret');");
        }
        File.SetUnixFileMode(secretDatabase, (UnixFileMode)0b110_100_000);
        File.CreateSymbolicLink(Path.Combine(_plugins, "sub"), roots);
        var path = Path.Combine(_plugins, "sub", "x.db");
        var scratch = Directory.CreateTempSubdirectory("d3kos-snapshot-").FullName; // root's alone, as the backups folder
        try
        {
            // The user can change .signalk's parent, their home: they are the reader.
            var reader = SqliteSnapshot.ReaderFor(path);
            Assert.Equal(new ReaderRights(Nobody), reader);

            // As under sudo, this process carries root's group 0 (glibc's setgroups: every thread of it).
            Assert.Equal(0, SetGroups(1, [0]));
            SqliteSnapshot.UnreadableException refused;
            try
            {
                refused = Assert.Throws<SqliteSnapshot.UnreadableException>(() => SqliteSnapshot.Copy(path, Path.Combine(scratch, "a.db"), reader));
            }
            finally
            {
                Assert.Equal(0, SetGroups(0, []));
            }
            Assert.Equal(14, ((SqliteException)refused.InnerException!).SqliteErrorCode); // SQLITE_CANTOPEN

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
    public void A_fifo_swapped_in_for_a_database_fails_the_copy_in_its_time_instead_of_holding_it_for_ever()
    {
        var fifo = Path.Combine(_plugins, "trap.db");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        UnixFile.SetOwner(fifo, Nobody, Nobody);
        var scratch = Directory.CreateTempSubdirectory("d3kos-snapshot-").FullName;
        try
        {
            var failed = Assert.Throws<IOException>(() =>
                SqliteSnapshot.Copy(fifo, Path.Combine(scratch, "a.db"), SqliteSnapshot.ReaderFor(fifo), TimeSpan.FromSeconds(2)));
            Assert.Contains("could not be copied within 2 s", failed.Message, StringComparison.Ordinal);
        }
        finally
        {
            // Release the open the copy's thread is still waiting in, so it ends.
            using (File.Open(fifo, FileMode.Open, FileAccess.Write))
            {
            }
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public void Whose_rights_follow_from_who_can_change_the_path()
    {
        // Only root can change the boat log's path: read as the service, as its owner may not reach it.
        Assert.Null(SqliteSnapshot.ReaderFor(_boat.Root.At("/opt/d3kos/data/boatlog/boatlog.db")));
        // In the user's home: read as the user, whoever owns the file.
        Assert.Equal(new ReaderRights(Nobody), SqliteSnapshot.ReaderFor(Path.Combine(_plugins, "root-owned.db")));
        // A group-writable folder of root's: anyone in the group could swap, so it is read as nobody.
        var shared = _boat.Root.At("/opt/d3kos/shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_101);
        Assert.Equal(new ReaderRights(Nobody), SqliteSnapshot.ReaderFor(Path.Combine(shared, "x.db")));
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
        UnixFile.SetOwner(database, Nobody, Nobody);
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var members = Members(backup.Path);
        Assert.DoesNotContain("home/d3kos/.signalk/locked/x.db", members);
        Assert.Contains("home/d3kos/.signalk/settings.json", members);
        Assert.True(manager.Verify(backup.FileName, cancellationToken: TestContext.Current.CancellationToken).Valid);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "setgroups")]
    private static extern int SetGroups(nuint count, uint[] groups);

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
