using System.Net.Http.Json;
using System.Text.Json;
using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace D3kos.Backup.Tests;

/// <summary>Automatic backups: the plan (a fake clock), waiting for the lock, retention by days and weeks, and one real run on a short calendar.</summary>
public sealed class ScheduleTests : IDisposable
{
    private static readonly DateTimeOffset MondayMorning = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly BoatRoot _boat = new();
    private readonly WaitCountingClock _time = new(MondayMorning);

    private (BackupManager Manager, AutomaticBackups Automatic, ServiceProvider Services) Library(params (string Key, string? Value)[] more)
    {
        var (manager, services) = Tests.Library.Create(_boat.Settings([("Backup:Schedule:RandomizedDelay", "00:00:00"), .. more]), _time);
        return (manager, services.GetRequiredService<AutomaticBackups>(), services);
    }

    private static BackupScheduler Scheduler(ServiceProvider services) => ActivatorUtilities.CreateInstance<BackupScheduler>(services);

    private string[] Automatic() => Directory.Exists(_boat.BackupsFolder)
        ? [.. Directory.GetFiles(_boat.BackupsFolder, "d3kos_auto_*.tar.gz").Select(Path.GetFileName).Order(StringComparer.Ordinal)!]
        : [];

    [Fact]
    public async Task The_first_start_plans_the_calendar_time_and_the_run_happens_then()
    {
        var (_, automatic, services) = Library();
        using var _ = services;
        using var scheduler = Scheduler(services);

        await scheduler.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => automatic.ReadStatus()?.NextRun == new DateTimeOffset(2026, 6, 2, 3, 30, 0, TimeSpan.Zero), "the run planned for 03:30 the next day");
        Assert.Empty(Automatic());

        _time.Advance(TimeSpan.FromHours(17.5));

        await Eventually.TrueAsync(() => automatic.ReadStatus()?.NextRun == new DateTimeOffset(2026, 6, 3, 3, 30, 0, TimeSpan.Zero), "the run made and the next one planned");
        Assert.Equal(["d3kos_auto_20260602_033000.tar.gz"], Automatic());
        var last = automatic.ReadStatus()!.LastRun!;
        Assert.Equal(RunStatus.Succeeded, last.Result);
        Assert.Equal("d3kos_auto_20260602_033000.tar.gz", last.BackupFile);
        Assert.True(last.SizeBytes > 0);
        Assert.Null(last.Error);
        await scheduler.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_run_missed_while_the_pi_was_off_happens_soon_after_the_next_start()
    {
        // Last run Monday 03:30; the boat was switched off from Monday evening to Wednesday 09:00.
        var (_, automatic, services) = Library(("Backup:Schedule:RandomizedDelay", "00:10:00"));
        using var _ = services;
        _boat.Root.Write("/opt/d3kos/backups/.schedule-status.json", JsonSerializer.Serialize(new ScheduleStatus(
            MondayMorning.AddDays(-30), null, null,
            new RunStatus(new DateTimeOffset(2026, 6, 1, 3, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 6, 1, 3, 31, 0, TimeSpan.Zero), RunStatus.Succeeded, "d3kos_auto_20260601_033000.tar.gz", 1, 1, null, null)),
            BackupJsonContext.Default.ScheduleStatus));
        _time.SetUtcNow(new DateTimeOffset(2026, 6, 3, 9, 0, 0, TimeSpan.Zero));
        using var scheduler = Scheduler(services);

        await scheduler.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => automatic.ReadStatus()?.NextRun is not null, "a run planned");
        var due = automatic.ReadStatus()!.NextRun!.Value;
        Assert.InRange(due, _time.GetUtcNow(), _time.GetUtcNow().AddMinutes(10));

        _time.Advance(TimeSpan.FromMinutes(10));

        await Eventually.TrueAsync(() => Automatic().Length == 1, "the missed run made up");
        await scheduler.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_run_waits_for_a_manual_backup_or_restore_and_says_it_waited()
    {
        var (manager, automatic, services) = Library(("Backup:Schedule:LockWait", "00:01:00"));
        using var _ = services;
        var held = BackupLock.Acquire(manager.Paths);

        var run = automatic.RunAsync(TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => _time.Waits > 0, "the run waiting for the lock");
        held.Dispose();
        await AdvanceUntilAsync(() => run.IsCompleted, "the run");

        var result = await run;
        Assert.Equal(RunStatus.Succeeded, result.Result);
        Assert.Matches("^Waited [0-9]+ s for a manual backup or a restore to finish", result.Note);
        Assert.Single(Automatic());
    }

    [Fact]
    public async Task A_run_skips_when_the_lock_stays_busy_and_the_status_says_why()
    {
        var (manager, automatic, services) = Library(("Backup:Schedule:LockWait", "00:01:00"));
        using var _ = services;
        using var held = BackupLock.Acquire(manager.Paths);

        var run = automatic.RunAsync(TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(() => run.IsCompleted, "the run");

        var result = await run;
        Assert.Equal(RunStatus.Skipped, result.Result);
        Assert.Contains("still running after 1 minutes", result.Error, StringComparison.Ordinal);
        Assert.Equal(result, automatic.ReadStatus()!.LastRun);
        Assert.Empty(Automatic());
    }

    [Fact]
    public async Task A_run_that_fails_in_an_unexpected_way_is_recorded_and_the_next_is_planned_from_it()
    {
        // A database SQLite cannot read: the backup fails with SQLite's own exception, not one of ours.
        File.WriteAllBytes(_boat.Root.At("/opt/d3kos/data/broken.db"), [.. "SQLite format 3\0"u8, .. new byte[4096].Select(_ => (byte)0x5a)]);
        var (_, automatic, services) = Library();
        using var _ = services;
        automatic.Start();

        var run = await automatic.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(RunStatus.Failed, run.Result);
        Assert.False(string.IsNullOrEmpty(run.Error));
        var status = automatic.ReadStatus()!;
        Assert.Equal(run, status.LastRun);
        Assert.Null(status.RunningSince);
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 3, 30, 0, TimeSpan.Zero), automatic.NextRun(status));
    }

    [Fact]
    public async Task A_copy_that_fails_after_a_good_backup_is_in_the_run_and_the_backup_is_kept()
    {
        var (_, automatic, services) = Library(("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/usb"));
        using var _ = services;

        var run = await automatic.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(RunStatus.Succeeded, run.Result);
        // A target was configured and the passphrase never set: the run says so, and nothing was written.
        Assert.StartsWith("The backup was made; copy to 'usb' failed: No backup passphrase is set on this device", run.Error, StringComparison.Ordinal);
        Assert.Equal([run.BackupFile], Automatic());
        Assert.False((await automatic.StatusAsync(TestContext.Current.CancellationToken)).Targets.Single().LastCopy!.Succeeded);
    }

    [Fact]
    public void The_calendar_is_in_the_pis_local_time_across_daylight_saving()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var calendar = new ScheduleOptions().ParseCalendar(); // 03:30 local

        // Summer (UTC+2): 01:30 UTC. The night the clocks go back (25 October 2026), 03:30 comes once, at 02:30 UTC.
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 1, 30, 0, TimeSpan.Zero), SchedulePlan.NextRun(calendar, berlin, MondayMorning.AddDays(-1), MondayMorning, MondayMorning));
        var saturday = new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 2, 30, 0, TimeSpan.Zero), SchedulePlan.NextRun(calendar, berlin, saturday, saturday, saturday));
    }

    [Fact]
    public void A_run_cut_off_by_a_power_cut_is_reported_at_the_next_start()
    {
        var (_, automatic, services) = Library();
        using var _ = services;
        automatic.WriteStatus(new ScheduleStatus(MondayMorning.AddDays(-3), null, MondayMorning.AddMinutes(-5), null));

        var status = automatic.Start();

        Assert.Null(status.RunningSince);
        Assert.Equal(RunStatus.Failed, status.LastRun!.Result);
        Assert.Contains("cut off", status.LastRun.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plan_is_now_after_a_clock_that_went_back_and_never_for_a_calendar_that_does_not_come_round()
    {
        var calendar = new ScheduleOptions().ParseCalendar();

        Assert.Equal(MondayMorning, SchedulePlan.NextRun(calendar, TimeZoneInfo.Utc, MondayMorning.AddDays(-9), lastStarted: MondayMorning.AddDays(200), MondayMorning));
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 3, 30, 0, TimeSpan.Zero), SchedulePlan.NextRun(calendar, TimeZoneInfo.Utc, MondayMorning.AddDays(-9), MondayMorning.AddHours(-6), MondayMorning));
        Assert.Null(SchedulePlan.NextRun(Cronos.CronExpression.Parse("0 0 30 2 *"), TimeZoneInfo.Utc, MondayMorning, null, MondayMorning));
    }

    [Fact]
    public void Automatic_retention_keeps_seven_days_and_four_weeks()
    {
        // Two backups a day from Monday 1 June to Thursday 30 July 2026, newest first.
        var names = Enumerable.Range(0, 60).SelectMany(day => new[] { 3, 15 }.Select(hour => new DateTime(2026, 6, 1, hour, 0, 0).AddDays(day)))
            .OrderDescending()
            .Select(t => $"d3kos_auto_{t:yyyyMMdd_HHmmss}.tar.gz")
            .ToList();

        var kept = AutomaticRetention.Kept(names, keepDaily: 7, keepWeekly: 4);

        // The newest of each of the last 7 days, and of each of the last 4 ISO weeks (two of which are among those days).
        string[] expected = [.. Enumerable.Range(24, 7).Select(d => $"d3kos_auto_202607{d}_150000.tar.gz"),
            "d3kos_auto_20260719_150000.tar.gz", "d3kos_auto_20260712_150000.tar.gz"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), kept.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Automatic_backups_never_push_out_a_manual_one()
    {
        var (manager, _, services) = Library(("Backup:Keep", "2"), ("Backup:Schedule:KeepDaily", "3"), ("Backup:Schedule:KeepWeekly", "0"));
        using var _ = services;
        var manual = new[] { manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName, manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName };

        for (var day = 0; day < 6; day++)
        {
            _time.Advance(TimeSpan.FromDays(1));
            manager.CreateAutomatic();
        }

        Assert.Equal(manual.Order(StringComparer.Ordinal), manager.List().Where(b => b.Kind == "manual").Select(b => b.Filename).Order(StringComparer.Ordinal));
        Assert.Equal(["d3kos_auto_20260605_100000.tar.gz", "d3kos_auto_20260606_100000.tar.gz", "d3kos_auto_20260607_100000.tar.gz"], Automatic());
        Assert.All(manager.List().Where(b => b.Filename.StartsWith("d3kos_auto_", StringComparison.Ordinal)), b => Assert.Equal("automatic", b.Kind));
    }

    [Theory]
    [InlineData("Backup:Schedule:Calendar", "every day at noon", "Backup:Schedule:Calendar")]
    [InlineData("Backup:Targets:0:Path", "/opt/d3kos/data/usb", "must not lie inside '/opt/d3kos/data/'")]
    [InlineData("Backup:Targets:0:Name", "USB Stick", "must be 1-32 lower-case letters")]
    public void A_setting_that_cannot_work_stops_the_start_with_its_name(string key, string value, string expected)
    {
        var settings = _boat.Settings(("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/usb"), (key, value));

        var failure = Assert.Throws<OptionsValidationException>(() => Tests.Library.Create(settings));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_real_run_on_a_short_calendar_makes_the_backup_and_the_encrypted_copy_and_the_api_shows_both()
    {
        using var drive = MountedDrive.Tmpfs(_boat.Root.At("/media/d3kos-usb"), kilobytes: 65536);
        await using var app = new BackupApiApp(_boat.Settings(
            ("Backup:Schedule:Calendar", "*/2 * * * * *"),
            ("Backup:Schedule:RandomizedDelay", "00:00:00"),
            ("Backup:Targets:0:Name", "usb"),
            ("Backup:Targets:0:Path", "/media/d3kos-usb")));
        using var client = app.CreateClient();
        // Setting it waits its turn behind a running backup (409 meanwhile), as it must not meet a restore.
        await Eventually.TrueAsync(async () =>
        {
            using var set = await client.PutAsJsonAsync("/api/backup/passphrase", new { passphrase = "correct horse battery staple" }, TestContext.Current.CancellationToken);
            Assert.True(set.IsSuccessStatusCode || set.StatusCode == System.Net.HttpStatusCode.Conflict, $"answered {(int)set.StatusCode}");
            return set.IsSuccessStatusCode;
        }, "the passphrase set");

        JsonElement status = default;
        await Eventually.TrueAsync(async () =>
        {
            status = await client.GetAsync("/api/backup/status", TestContext.Current.CancellationToken).OkJsonAsync();
            return status.GetProperty("targets")[0].GetProperty("last_copy") is { ValueKind: JsonValueKind.Object } copy
                && copy.GetProperty("succeeded").GetBoolean()
                && status.GetProperty("schedule").GetProperty("last_run").ValueKind == JsonValueKind.Object;
        }, "an automatic run with its copy", TimeSpan.FromSeconds(30));

        var schedule = status.GetProperty("schedule");
        Assert.True(schedule.GetProperty("enabled").GetBoolean());
        Assert.Equal("succeeded", schedule.GetProperty("last_run").GetProperty("result").GetString());
        var target = status.GetProperty("targets")[0];
        Assert.True(target.GetProperty("encrypt").GetBoolean());
        var copyFile = target.GetProperty("last_copy").GetProperty("copy_file").GetString()!;
        Assert.Matches(@"^d3kos_auto_[0-9]{8}_[0-9]{6}(_[0-9]+)?\.tar\.gz\.gpg$", copyFile);
        Assert.True(File.Exists(Path.Combine(drive.CopiesFolder, copyFile)));
        Assert.True(status.GetProperty("passphrase_set").GetBoolean());
        Assert.DoesNotContain("correct horse", status.GetRawText(), StringComparison.Ordinal);
    }

    /// <summary>Moves the fake clock on in 15-second steps while the code under test runs on real threads, until <paramref name="done"/>.</summary>
    private async Task AdvanceUntilAsync(Func<bool> done, string what)
    {
        await Eventually.TrueAsync(() =>
        {
            if (!done())
            {
                _time.Advance(TimeSpan.FromSeconds(15));
            }
            return done();
        }, what);
    }

    public void Dispose() => _boat.Dispose();

    /// <summary>A fake clock that counts the waits started on it, so a test knows the code has reached one.</summary>
    private sealed class WaitCountingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private int _waits;

        public int Waits => Volatile.Read(ref _waits);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _waits);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
