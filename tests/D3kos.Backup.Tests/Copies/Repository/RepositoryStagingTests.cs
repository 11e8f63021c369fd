using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>
/// The folder restic reads a repository copy from: each day it is made to hold exactly the new backup,
/// writing only what changed, so restic's file cache can skip the rest and the card is spared.
/// </summary>
public sealed class RepositoryStagingTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    private string Staging => Path.Combine(_boat.BackupsFolder, ".restic-staging");

    private SnapshotContent Content(ServiceProvider services) => new(Staging, _boat.BackupsFolder,
        services.GetRequiredService<BackupPaths>().Sources, 1L << 30, 0);

    /// <summary>The change time, which nothing can set back: a file restic may skip must keep it.</summary>
    private static string ChangeTime(string path) => Tool.Run("stat", "-c", "%z %i", path).Trim();

    [Fact]
    public void The_next_staging_writes_only_what_changed_removes_what_is_gone_and_leaves_the_rest_untouched()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var ct = TestContext.Current.CancellationToken;
        S3RepositoryTests.SeededImages(_boat, 8);
        File.WriteAllText(_boat.Root.At("/opt/d3kos/data/gone-tomorrow.txt"), "only in the first backup");
        var first = manager.Create(cancellationToken: ct);
        using (var source = CopySource.Open(first.Path, null, 0))
        {
            RepositoryStaging.Stage(source, Content(services), null, ct);
        }
        var untouched = Path.Combine(Staging, "opt/d3kos/data/images/voyage.bin");
        var before = ChangeTime(untouched);
        File.Delete(_boat.Root.At("/opt/d3kos/data/gone-tomorrow.txt"));
        _boat.Root.WithBoatlog(Enumerable.Range(0, 200).Select(i => ((object)(50_000L + i), "2026-03-02T12:00:00", "position", $"Entry {i}", (double?)43.5, (double?)-79.5)));
        var second = manager.Create(cancellationToken: ct);

        StagedBackup staged;
        using (var source = CopySource.Open(second.Path, null, 0))
        {
            staged = RepositoryStaging.Stage(source, Content(services), null, ct);
        }

        var unpacked = Directory.CreateTempSubdirectory("d3kos-tar-").FullName;
        try
        {
            BoatRoot.Tar("-xzf", second.Path, "-C", unpacked);
            TreeSnapshot.AssertSame(TreeSnapshot.Take(unpacked), TreeSnapshot.Take(Staging));
        }
        finally
        {
            Directory.Delete(unpacked, recursive: true);
        }
        Assert.Equal(before, ChangeTime(untouched));
        Assert.False(File.Exists(Path.Combine(Staging, "opt/d3kos/data/gone-tomorrow.txt")));
        Assert.True(staged.BytesWritten < staged.TotalBytes / 4, $"{staged.BytesWritten} of {staged.TotalBytes} bytes written again");
        Assert.Equal("700", Tool.Run("stat", "-c", "%a", Staging).Trim());
    }

    public void Dispose() => _boat.Dispose();
}
