using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>
/// The read-back check of what is stored: the newest backup on the card and the newest copy on a real mounted
/// drive (encrypted, so it is decrypted and checked), a byte changed in each as a failing card or stick would,
/// and the storedCheckDamaged alarm that follows until a check finds the newest one whole.
/// </summary>
public sealed class StoredCheckTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private readonly BoatRoot _boat = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private (BackupManager Manager, StoredCheck Check, BackupConditions Conditions, ServiceProvider Services) Library() =>
        Library(_boat.Settings(
            ("Backup:Targets:0:Name", "usb"),
            ("Backup:Targets:0:Path", "/media/d3kos-usb")));

    private static (BackupManager Manager, StoredCheck Check, BackupConditions Conditions, ServiceProvider Services) Library(Dictionary<string, string?> settings)
    {
        var (manager, services) = Tests.Library.Create(settings);
        return (manager, services.GetRequiredService<StoredCheck>(), services.GetRequiredService<BackupConditions>(), services);
    }

    /// <summary>Changes one byte half way through, where the compressed files are.</summary>
    private static void Damage(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = file.Length / 2;
        var b = file.ReadByte();
        file.Position = file.Length / 2;
        file.WriteByte((byte)(b ^ 0x5a));
    }

    [Fact]
    public async Task A_damaged_backup_on_the_card_is_found_and_is_an_alarm_until_a_check_finds_the_newest_whole()
    {
        var (manager, check, conditions, services) = Library(_boat.Settings());
        using var _ = services;
        var backup = manager.Create(cancellationToken: Token);
        Damage(backup.Path);

        var report = await check.RunAsync(Token);

        var local = Assert.Single(report.Results);
        Assert.Equal((StoredCheckResult.Local, backup.FileName, true), (local.Where, local.File, local.Damaged));
        var alarm = Assert.Single(conditions.Current(Token), c => c.Id == "storedCheckDamaged.local");
        Assert.Equal(Condition.Alarm, alarm.Severity);
        Assert.StartsWith($"The newest backup on the card, {backup.FileName}, failed its check: ", alarm.Message, StringComparison.Ordinal);

        var next = manager.Create(cancellationToken: Token);
        var again = await check.RunAsync(Token);

        Assert.Equal((next.FileName, false), (again.Results[0].File, again.Results[0].Damaged));
        Assert.DoesNotContain(conditions.Current(Token), c => c.Id.StartsWith("storedCheckDamaged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_newest_encrypted_copy_on_a_drive_is_read_back_whole_and_a_changed_byte_there_is_found()
    {
        using var drive = MountedDrive.Image(_boat.Root.At("/media/d3kos-usb"), "ext4", megabytes: 32);
        var (manager, check, conditions, services) = Library();
        using var _ = services;
        services.GetRequiredService<BackupPassphrase>().Set(Passphrase);
        var backup = manager.Create(cancellationToken: Token);
        var copy = await services.GetRequiredService<BackupCopier>().CopyAsync(backup.FileName, "usb", null, Token);

        var whole = await check.RunAsync(Token);

        Assert.Equal([(StoredCheckResult.Local, false), ("usb", false)], whole.Results.Select(r => (r.Where, r.Damaged)));
        Assert.Equal(copy.CopyFile, whole.Results[1].File);
        Assert.Null(whole.Results[1].Problem);

        Damage(Path.Combine(drive.CopiesFolder, copy.CopyFile));
        var damaged = await check.RunAsync(Token);

        var found = damaged.Results.Single(r => r.Where == "usb");
        Assert.True(found.Damaged, found.Problem);
        Assert.False(damaged.Results.Single(r => r.Where == StoredCheckResult.Local).Damaged);
        var alarm = Assert.Single(conditions.Current(Token), c => c.Id == "storedCheckDamaged.usb");
        Assert.StartsWith($"The newest copy on 'usb', {copy.CopyFile}, failed its check: ", alarm.Message, StringComparison.Ordinal);
        // The copy was fetched to be read and nothing of it stays on the card.
        Assert.Empty(Directory.GetFiles(_boat.BackupsFolder, "*.partial"));
    }

    [Fact]
    public async Task A_drive_that_is_not_plugged_in_is_not_damage()
    {
        var (manager, check, conditions, services) = Library();
        using var _ = services;
        manager.Create(cancellationToken: Token);
        File.WriteAllText(Path.Combine(_boat.BackupsFolder, ".copy-ledger-usb.json"),
            """{"format_version": 1, "copies": [{"name": "d3kos_backup_20260101_000000.tar.gz", "size_bytes": 10, "sha256": null, "sent_at": "2026-01-01T00:00:00Z"}]}""");

        var report = await check.RunAsync(Token);

        var usb = report.Results.Single(r => r.Where == "usb");
        Assert.False(usb.Damaged);
        Assert.NotNull(usb.Problem);
        Assert.DoesNotContain(conditions.Current(Token), c => c.Id.StartsWith("storedCheckDamaged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_repository_target_is_read_back_by_restic_check_and_a_changed_byte_in_a_pack_is_found()
    {
        LaptopRestic.SkipUnlessInstalled();
        using var drive = MountedDrive.Image(_boat.Root.At("/media/d3kos-usb"), "ext4", megabytes: 32);
        var (manager, check, conditions, services) = Library(_boat.Settings(
            ("Backup:Targets:0:Name", "usb"), ("Backup:Targets:0:Path", "/media/d3kos-usb"), ("Backup:Targets:0:Format", "repository")));
        using var _ = services;
        services.GetRequiredService<BackupPassphrase>().Set(Passphrase);
        await services.GetRequiredService<BackupCopier>().CopyAsync(manager.Create(cancellationToken: Token).FileName, "usb", null, Token);

        var whole = await check.RunAsync(Token);

        Assert.Equal(("usb", false, null), whole.Results.Select(r => (r.Where, r.Damaged, r.Problem)).Single(r => r.Where == "usb"));
        var largestPack = new DirectoryInfo(Path.Combine(drive.CopiesFolder, "restic-repository", "data"))
            .EnumerateFiles("*", SearchOption.AllDirectories).MaxBy(pack => pack.Length)!;
        Damage(largestPack.FullName);
        var damaged = await check.RunAsync(Token);

        var found = damaged.Results.Single(r => r.Where == "usb");
        Assert.True(found.Damaged, found.Problem);
        Assert.Contains("restic check found damage", found.Problem, StringComparison.Ordinal);
        Assert.Single(conditions.Current(Token), c => c.Id == "storedCheckDamaged.usb");
    }

    public void Dispose() => _boat.Dispose();
}
