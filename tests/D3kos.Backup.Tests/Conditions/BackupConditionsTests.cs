using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace D3kos.Backup.Tests;

/// <summary>
/// The conditions the owner hears of, each made by the real operation that causes it (a run refused for
/// space, a copy to a drive that is not there, a restore cut off) and ended by the one that mends it.
/// </summary>
public sealed class BackupConditionsTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly BoatRoot _boat = new();
    private readonly FakeTimeProvider _time = new(Start);

    private (BackupManager Manager, AutomaticBackups Automatic, BackupConditions Conditions, ServiceProvider Services) Library(params (string Key, string? Value)[] more)
    {
        var (manager, services) = Tests.Library.Create(_boat.Settings([
            ("Backup:Targets:0:Name", "usb"),
            ("Backup:Targets:0:Path", "/media/d3kos-usb"),
            ("Backup:Targets:0:Encrypt", "false"),
            .. more]), _time);
        return (manager, services.GetRequiredService<AutomaticBackups>(), services.GetRequiredService<BackupConditions>(), services);
    }

    private static string[] Ids(BackupConditions conditions) =>
        [.. conditions.Current(TestContext.Current.CancellationToken).Select(c => c.Id).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_run_refused_for_space_raises_backupFailed_and_freeSpaceLow_and_a_good_run_ends_both()
    {
        var (_, automatic, conditions, services) = Library(("Backup:FreeSpaceMarginBytes", "1000000000000000"));
        using (services)
        {
            automatic.Start();
            var run = await automatic.RunAsync(TestContext.Current.CancellationToken);
            Assert.Equal(RunStatus.Failed, run.Result);

            var problems = conditions.Current(TestContext.Current.CancellationToken);
            var failed = Assert.Single(problems, p => p.Id == "backupFailed");
            Assert.Equal(Condition.Warn, failed.Severity);
            Assert.StartsWith("The last automatic backup failed: Not enough free space for a", failed.Message);
            var space = Assert.Single(problems, p => p.Id == "freeSpaceLow");
            Assert.Matches("^The card has [0-9]+ MB free and the next backup needs about 10000000[0-9]{2} MB, so it will not be made.$", space.Message);
        }

        var (_, automaticAgain, conditionsAgain, servicesAgain) = Library();
        using (servicesAgain)
        {
            Assert.Equal(RunStatus.Succeeded, (await automaticAgain.RunAsync(TestContext.Current.CancellationToken)).Result);
            Assert.DoesNotContain("backupFailed", Ids(conditionsAgain));
            Assert.DoesNotContain("freeSpaceLow", Ids(conditionsAgain));
        }
    }

    [Fact]
    public void No_backup_made_here_for_more_than_the_set_days_is_an_alarm_that_a_new_backup_ends()
    {
        var (manager, _, conditions, services) = Library(("Backup:Conditions:BackupMaxAgeDays", "2"));
        using var _ = services;
        manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1));
        Assert.DoesNotContain("backupOverdue", Ids(conditions));

        _time.Advance(TimeSpan.FromMinutes(2));
        var overdue = Assert.Single(conditions.Current(TestContext.Current.CancellationToken), p => p.Id == "backupOverdue");
        Assert.Equal(Condition.Alarm, overdue.Severity);
        Assert.Equal("No backup has been made on this Pi for 2 days.", overdue.Message);

        manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        Assert.DoesNotContain("backupOverdue", Ids(conditions));
    }

    [Fact]
    public async Task A_copy_to_a_drive_that_is_not_there_raises_copyFailed_and_later_copyOverdue_for_that_target()
    {
        var (manager, automatic, conditions, services) = Library(("Backup:Conditions:CopyMaxAgeDays", "14"));
        using var _ = services;
        automatic.Start();
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<BackupException>(() => services.GetRequiredService<BackupCopier>().CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        var failed = Assert.Single(conditions.Current(TestContext.Current.CancellationToken), p => p.Id == "copyFailed.usb");
        Assert.Equal(Condition.Warn, failed.Severity);
        Assert.StartsWith("The last copy to 'usb' failed: ", failed.Message);
        Assert.Equal(services.GetRequiredService<BackupCopier>().LastCopy("usb")!.Error, failed.Message["The last copy to 'usb' failed: ".Length..]);
        Assert.Contains("--to usb", failed.WhatToDo);
        Assert.DoesNotContain("copyOverdue.usb", Ids(conditions));

        _time.Advance(TimeSpan.FromDays(15));
        manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["copyFailed.usb", "copyOverdue.usb"], Ids(conditions));
        Assert.Contains("No copy has ever reached 'usb'", conditions.Current(TestContext.Current.CancellationToken).Single(p => p.Id == "copyOverdue.usb").Message);
    }

    [Fact]
    public async Task A_good_copy_to_the_drive_ends_copyFailed_and_copyOverdue()
    {
        Assert.SkipUnless(Environment.UserName == "root", "mounting a drive image needs root");
        var (manager, automatic, conditions, services) = Library(("Backup:Conditions:CopyMaxAgeDays", "1"));
        using var _ = services;
        automatic.Start();
        var copier = services.GetRequiredService<BackupCopier>();
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));
        _time.Advance(TimeSpan.FromDays(2));
        manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["copyFailed.usb", "copyOverdue.usb"], Ids(conditions));

        using var drive = MountedDrive.Image(_boat.Root.At("/media/d3kos-usb"), "ext4", megabytes: 32);
        await copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken);

        Assert.Empty(Ids(conditions));
    }

    [Theory]
    [InlineData("swapping", "rolled back")]
    [InlineData("staging", "stopped before anything changed")]
    public void A_restore_cut_off_and_settled_at_start_is_told_as_an_alert_for_the_set_hours(string phase, string outcome)
    {
        var (manager, _, conditions, services) = Library(("Backup:Conditions:RestoreNoticeHours", "24"));
        using var _ = services;
        manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var config = manager.Paths.Sources.Single(s => s.PiPath == "/opt/d3kos/config");
        var swap = SourceSwap.Plan(config, "crashed");
        if (phase == "swapping")
        {
            CutOffRestore.SetAside(config, swap, "license.json", "{\"from\":\"the backup\"}");
        }
        else
        {
            Directory.CreateDirectory(swap.Staged);
        }
        CutOffRestore.WriteJournal(manager, phase, [swap]);

        manager.RecoverAfterCrash();

        var told = Assert.Single(conditions.Current(TestContext.Current.CancellationToken));
        Assert.Equal("restoreRecovered", told.Id);
        Assert.Equal(Condition.Alert, told.Severity);
        Assert.Equal($"A restore of d3kos_backup_20260101_000000.tar.gz was cut off (a crash or the power) and was {outcome} when the backup service started.", told.Message);

        _time.Advance(TimeSpan.FromHours(24));
        Assert.Empty(Ids(conditions));
    }

    /// <summary>The export manager's queue or history file, in the shape QueueFilesReadByBackupApiTests shows the real queue writes.</summary>
    private void ExportFile(string name, params (string Status, DateTimeOffset Timestamp, DateTimeOffset? FinishedAt, string? LastError)[] entries)
    {
        var folder = _boat.Root.At("/opt/d3kos/data/exports");
        Directory.CreateDirectory(folder);
        var json = System.Text.Json.JsonSerializer.Serialize(new
        {
            format_version = 1,
            entries = entries.Select((e, i) => new
            {
                id = $"entry-{i}", type = "full_export", data = new { export_file = $"export_{i}.json" },
                timestamp = e.Timestamp, attempts = 1, status = e.Status, finished_at = e.FinishedAt, last_error = e.LastError,
            }),
        });
        File.WriteAllText(Path.Combine(folder, name), json);
    }

    [Fact]
    public void An_export_the_shore_refused_for_good_is_a_warning_with_its_reason_until_it_is_older_than_the_limit()
    {
        var (_, _, conditions, services) = Library();
        using var _ = services;
        ExportFile("export_history.json",
            ("completed", Start.AddDays(-2), Start.AddDays(-2), null),
            ("failed", Start.AddDays(-1), Start.AddDays(-1), "HTTP 400 from central: bad request"));

        var failed = Assert.Single(conditions.Current(TestContext.Current.CancellationToken), c => c.Id == "exportFailed");

        Assert.Equal(Condition.Warn, failed.Severity);
        Assert.Equal("One export failed for good in the last 7 days and will not be sent again; the last try said: HTTP 400 from central: bad request.", failed.Message);
        _time.Advance(TimeSpan.FromDays(7));
        Assert.DoesNotContain("exportFailed", Ids(conditions));
    }

    [Fact]
    public void Exports_waiting_longer_than_the_limit_with_none_sent_are_a_warning_that_ends_when_one_reaches_shore()
    {
        var (_, _, conditions, services) = Library();
        using var _ = services;
        ExportFile("export_queue.json",
            ("retry", Start.AddDays(-4), null, "the central endpoint did not answer"),
            ("pending", Start.AddDays(-1), null, null));
        ExportFile("export_history.json", ("completed", Start.AddDays(-5), Start.AddDays(-5), null));

        var stuck = Assert.Single(conditions.Current(TestContext.Current.CancellationToken), c => c.Id == "exportStuck");

        Assert.Equal("2 exports waiting to reach shore, the oldest for 4 days, and none was sent meanwhile; the last try said: the central endpoint did not answer.", stuck.Message);
        ExportFile("export_history.json", ("completed", Start.AddDays(-5), Start.AddDays(-5), null), ("completed", Start.AddDays(-4), Start.AddHours(-1), null));
        Assert.DoesNotContain("exportStuck", Ids(conditions));
    }

    public void Dispose() => _boat.Dispose();
}
