using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;

namespace D3kos.Backup.Tests;

/// <summary>
/// Retention deletes the oldest by the order this device made or received backups: a date inside an
/// archive from elsewhere, a name freed by retention, or a clock that went back never reorders them.
/// </summary>
public sealed class RetentionOrderTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Fact]
    public void Eight_creates_in_one_second_keep_the_five_newest_in_making_order()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var (manager, services) = Library.Create(_boat.Settings(), time);
        using var _ = services;

        var made = Enumerable.Range(0, 8).Select(_ => manager.Create().FileName).ToList();

        var kept = manager.List().Where(b => b.Kind == "manual").Select(b => b.Filename).ToList();
        Assert.Equal(made.TakeLast(5).Reverse(), kept);
    }

    [Fact]
    public void A_clock_that_went_back_still_names_the_new_backup_after_the_old_ones()
    {
        var (manager, services) = Library.Create(_boat.Settings(), new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero)));
        using var _ = services;
        var before = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        // The next boot, at sea without a clock: the Pi thinks it is 2000.
        var (rebooted, servicesAfter) = Library.Create(_boat.Settings(), new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        using var __ = servicesAfter;

        var after = rebooted.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;

        Assert.True(string.CompareOrdinal(after, before) > 0, $"{after} sorts before {before}");
        Assert.Equal(after, manager.List()[0].Filename);
    }

    [Fact]
    public void A_backup_from_a_clock_in_2099_never_stops_new_backups()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        Directory.CreateDirectory(_boat.BackupsFolder);
        File.WriteAllText(Path.Combine(_boat.BackupsFolder, "d3kos_backup_20990101_000000_999.tar.gz"), "from a wrong clock");

        var first = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        var second = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;

        Assert.Equal("d3kos_backup_20990101_000001.tar.gz", first);
        Assert.Equal("d3kos_backup_20990101_000002.tar.gz", second);
    }

    [Fact]
    public async Task Uploads_claiming_the_year_2999_never_push_out_the_boats_own_backups()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var own = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        var future = Path.Combine(Path.GetTempPath(), $"future-{Guid.NewGuid():N}.tar.gz");
        new ArchiveBuilder().Folder("opt/d3kos/config/").File("opt/d3kos/config/a.json", "{}").Write(future, created: new DateTimeOffset(2999, 1, 1, 0, 0, 0, TimeSpan.Zero));
        try
        {
            for (var i = 0; i < 6; i++)
            {
                await using var upload = File.OpenRead(future);
                await manager.ImportAsync(upload, CancellationToken.None);
            }
            manager.Create(cancellationToken: TestContext.Current.CancellationToken);

            var list = manager.List();
            Assert.Contains(list, b => b.Filename == own);
            Assert.Equal(2, list.Count(b => b.Kind == "manual"));
            Assert.Equal(5, list.Count(b => b.Kind == "imported"));
            Assert.DoesNotContain(list, b => b.Filename.Contains("2999", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(future);
        }
    }

    public void Dispose() => _boat.Dispose();
}
