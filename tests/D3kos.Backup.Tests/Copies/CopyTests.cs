using System.Security.Cryptography;
using D3kos.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>Copies to a USB drive (a real mounted file system), encrypted as OpenPGP that GnuPG opens, and imported back.</summary>
public sealed class CopyTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private readonly BoatRoot _boat = new();

    private string DrivePath => _boat.Root.At("/media/d3kos-usb");

    private (BackupManager Manager, BackupCopier Copier, BackupPassphrase Key, ServiceProvider Services) Library(
        bool encrypt = true, int keep = 10, BoatRoot? boat = null, string path = "/media/d3kos-usb", params (string Key, string? Value)[] more)
    {
        boat ??= _boat;
        var (manager, services) = Tests.Library.Create(boat.Settings([
            ("Backup:Targets:0:Name", "usb"),
            ("Backup:Targets:0:Path", path),
            ("Backup:Targets:0:Encrypt", encrypt ? "true" : "false"),
            ("Backup:Targets:0:Keep", keep.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            .. more]));
        return (manager, services.GetRequiredService<BackupCopier>(), services.GetRequiredService<BackupPassphrase>(), services);
    }

    [Theory]
    [InlineData("ext4")]
    [InlineData("vfat")]
    public async Task An_encrypted_copy_on_a_drive_opens_with_gpg_and_is_byte_identical(string fileSystem)
    {
        using var drive = MountedDrive.Image(DrivePath, fileSystem, megabytes: 64);
        var (manager, copier, key, services) = Library();
        using var _ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var copy = await copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken);

        Assert.True(copy.Encrypted);
        Assert.Equal(backup.FileName + ".gpg", copy.CopyFile);
        var onDrive = Path.Combine(drive.CopiesFolder, copy.CopyFile);
        Assert.Equal([copy.CopyFile], Directory.GetFiles(drive.CopiesFolder).Select(Path.GetFileName));
        var opened = Path.Combine(_boat.Root.Path, "opened.tar.gz");
        Gpg.Decrypt(onDrive, opened, Passphrase);
        Assert.Equal(File.ReadAllBytes(backup.Path), File.ReadAllBytes(opened));
        Assert.NotEqual(0x1f, File.ReadAllBytes(onDrive)[0]); // an OpenPGP packet, not the gzip it holds
        var status = copier.LastCopy("usb")!;
        Assert.True(status.Succeeded);
        Assert.Equal(copy.CopyFile, status.CopyFile);
    }

    [Fact]
    public async Task A_plain_copy_when_the_owner_turned_encryption_off_carries_a_checksum_that_sha256sum_accepts()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 32);
        var (manager, copier, _, services) = Library(encrypt: false);
        using var __ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var copy = await copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken);

        Assert.False(copy.Encrypted);
        Assert.Equal(File.ReadAllBytes(backup.Path), File.ReadAllBytes(Path.Combine(drive.CopiesFolder, backup.FileName)));
        Assert.Contains(": OK", Tool.Run("sh", "-c", $"cd '{drive.CopiesFolder}' && sha256sum -c '{backup.FileName}.sha256'"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mount_folder_without_a_drive_in_it_is_refused_and_the_card_gets_nothing()
    {
        // The stick is not inserted: the mount point is an empty folder on the SD card.
        Directory.CreateDirectory(DrivePath);
        var (manager, copier, key, services) = Library();
        using var _ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, refused.Error);
        Assert.Contains("not a mounted drive", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(DrivePath));
        var status = copier.LastCopy("usb")!;
        Assert.False(status.Succeeded);
        Assert.Equal(refused.Message, status.Error);
    }

    [Fact]
    public async Task A_drive_under_a_folder_another_user_owns_is_refused()
    {
        // That user could rename the mount point away and put a folder of their own (or their own mount) there.
        MountedDrive.SkipUnlessRoot();
        var theirs = _boat.Root.At("/media/d3kos");
        Directory.CreateDirectory(theirs);
        Tool.Run("chown", "65534:65534", theirs);
        using var drive = MountedDrive.Tmpfs(Path.Combine(theirs, "USB"), kilobytes: 32768);
        var (manager, copier, _, services) = Library(encrypt: false, path: "/media/d3kos/USB");
        using var __ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, refused.Error);
        Assert.Contains($"another user can change {theirs}", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(drive.MountPoint));
    }

    [Fact]
    public async Task A_target_with_no_folder_at_all_says_to_plug_the_drive_in()
    {
        var (manager, copier, _, services) = Library(encrypt: false);
        using var __ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, refused.Error);
        Assert.Contains("is the drive plugged in", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_drive_gives_a_clear_status_leaves_no_partial_file_and_keeps_the_local_backup()
    {
        // Images of a few MB make the backup larger than the drive.
        File.WriteAllBytes(_boat.Root.At("/opt/d3kos/data/photo.jpg"), RandomNumberGenerator.GetBytes(3 * 1024 * 1024));
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 1024);
        var (manager, copier, key, services) = Library();
        using var _ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var sha256 = backup.Sha256;

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.DiskFull, refused.Error);
        Assert.Contains("on the drive 'usb'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("The local backup is kept", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(drive.CopiesFolder));
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(backup.Path))));
        Assert.False(copier.LastCopy("usb")!.Succeeded);
    }

    [Fact]
    public async Task A_read_only_drive_gives_a_clear_status()
    {
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 32768, readOnly: true);
        var (manager, copier, key, services) = Library();
        using var _ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, refused.Error);
        Assert.Contains("read-only", refused.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(backup.Path));
    }

    [Fact]
    public async Task Retention_on_the_drive_keeps_its_own_count_and_never_touches_other_files()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 32);
        Directory.CreateDirectory(drive.CopiesFolder);
        File.WriteAllText(Path.Combine(drive.MountPoint, "holiday.jpg"), "the owner's");
        File.WriteAllText(Path.Combine(drive.CopiesFolder, "notes.txt"), "the owner's");
        File.WriteAllText(Path.Combine(drive.CopiesFolder, "d3kos_backup_20200101_000000.tar.gz.bak"), "not a copy's name");
        var (manager, copier, key, services) = Library(keep: 2);
        using var _ = services;
        key.Set(Passphrase);
        var names = Enumerable.Range(0, 3).Select(_ => manager.Create().FileName).ToList();

        var results = new List<CopyResult>();
        foreach (var name in names)
        {
            results.Add(await copier.CopyAsync(name, "usb", null, TestContext.Current.CancellationToken));
        }

        Assert.Equal([names[0] + ".gpg"], results[2].Deleted);
        Assert.Equal(
            ["d3kos_backup_20200101_000000.tar.gz.bak", names[1] + ".gpg", names[2] + ".gpg", "notes.txt"],
            Directory.GetFiles(drive.CopiesFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(drive.MountPoint, "holiday.jpg")));
    }

    [Fact]
    public async Task A_copy_cut_off_earlier_leaves_nothing_once_the_next_copy_has_run()
    {
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 32768);
        var (manager, copier, _, services) = Library(encrypt: false);
        using var __ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        Directory.CreateDirectory(drive.CopiesFolder);
        var cutOff = Path.Combine(drive.CopiesFolder, $".{backup.FileName}.0123456789abcdef0123456789abcdef.partial");
        File.WriteAllText(cutOff, "half a copy, the stick was pulled");

        await copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken);

        Assert.False(File.Exists(cutOff));
    }

    [Fact]
    public async Task A_full_drive_makes_room_with_the_copies_retention_would_remove_anyway()
    {
        File.WriteAllBytes(_boat.Root.At("/opt/d3kos/data/photo.jpg"), RandomNumberGenerator.GetBytes(1024 * 1024));
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 2600);
        var (manager, copier, _, services) = Library(encrypt: false, keep: 2, more: ("Backup:FreeSpaceMarginBytes", "0"));
        using var __ = services;
        var names = Enumerable.Range(0, 3).Select(_ => manager.Create().FileName).ToList();

        foreach (var name in names)
        {
            await copier.CopyAsync(name, "usb", null, TestContext.Current.CancellationToken);
        }

        Assert.Equal([names[1], names[2]], Directory.GetFiles(drive.CopiesFolder, "*.tar.gz").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_full_drive_where_removing_old_copies_would_not_be_enough_loses_none_of_them()
    {
        File.WriteAllBytes(_boat.Root.At("/opt/d3kos/data/photo.jpg"), RandomNumberGenerator.GetBytes(1024 * 1024));
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 2600);
        File.WriteAllBytes(Path.Combine(drive.MountPoint, "owners-file.bin"), new byte[1024 * 1024]);
        var (manager, copier, _, services) = Library(encrypt: false, keep: 2, more: ("Backup:FreeSpaceMarginBytes", "0"));
        using var __ = services;
        var first = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        await copier.CopyAsync(first, "usb", null, TestContext.Current.CancellationToken);
        var second = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(second, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.DiskFull, refused.Error);
        Assert.Equal([first], Directory.GetFiles(drive.CopiesFolder, "*.tar.gz").Select(Path.GetFileName));
    }

    [Fact]
    public void The_passphrase_is_not_changed_while_a_cut_off_restore_is_unfinished()
    {
        var (manager, _, key, services) = Library();
        using var __ = services;
        key.Set(Passphrase);
        File.WriteAllText(manager.Paths.JournalFile, "{}");

        var refused = Assert.Throws<BackupException>(() => key.Set("a new passphrase for later"));

        Assert.Contains("A restore was cut off", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Passphrase, File.ReadAllText(_boat.Root.At(BackupPassphrase.PiPath)));
    }

    [Fact]
    public async Task A_local_backup_that_no_longer_matches_its_checksum_is_not_copied()
    {
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 32768);
        var (manager, copier, _, services) = Library(encrypt: false);
        using var __ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var recorded = File.GetLastWriteTimeUtc(backup.Path);
        var bytes = File.ReadAllBytes(backup.Path);
        bytes[^10] ^= 0x40; // a bit the card lost
        File.WriteAllBytes(backup.Path, bytes);
        File.SetLastWriteTimeUtc(backup.Path, recorded);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Contains("no longer matches its checksum", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(drive.CopiesFolder));
    }

    [Fact]
    public async Task A_copies_folder_replaced_by_a_symlink_sends_nothing_where_it_points()
    {
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 32768);
        var elsewhere = Directory.CreateDirectory(Path.Combine(drive.MountPoint, "elsewhere")).FullName;
        File.CreateSymbolicLink(drive.CopiesFolder, elsewhere);
        var (manager, copier, _, services) = Library(encrypt: false);
        using var __ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TargetUnavailable, refused.Error);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
    }

    [Fact]
    public async Task A_copy_without_integrity_protection_is_refused()
    {
        var (manager, _, key, services) = Library();
        using var __ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var old = Path.Combine(_boat.Root.Path, "old-format.gpg");
        using (var output = File.Create(old))
        {
            var generator = new Org.BouncyCastle.Bcpg.OpenPgp.PgpEncryptedDataGenerator(
                Org.BouncyCastle.Bcpg.SymmetricKeyAlgorithmTag.Aes256, withIntegrityPacket: false, new Org.BouncyCastle.Security.SecureRandom());
            generator.AddMethodUtf8(Passphrase.ToCharArray(), Org.BouncyCastle.Bcpg.HashAlgorithmTag.Sha256);
            using var encrypted = generator.Open(output, new byte[4096]);
            using var literal = new Org.BouncyCastle.Bcpg.OpenPgp.PgpLiteralDataGenerator().Open(encrypted, 'b', "x", DateTime.UtcNow, new byte[4096]);
            literal.Write(File.ReadAllBytes(backup.Path));
        }

        await using var stream = File.OpenRead(old);
        var refused = await Assert.ThrowsAsync<BackupException>(() => manager.ImportAsync(stream, TestContext.Current.CancellationToken));

        Assert.Contains("no integrity protection", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_small_encrypted_file_that_inflates_past_the_upload_limit_is_refused()
    {
        var (manager, _, key, services) = Library(more: ("Backup:MaxUploadBytes", "1048576"));
        using var __ = services;
        key.Set(Passphrase);
        var zeros = Path.Combine(_boat.Root.Path, "zeros");
        File.WriteAllBytes(zeros, new byte[8 * 1024 * 1024]);
        var bomb = zeros + ".gpg";
        var (code, error) = Gpg.Run("--passphrase", Passphrase, "--compress-algo", "zlib", "--symmetric", "--output", bomb, zeros);
        Assert.True(code == 0, error);
        Assert.True(new FileInfo(bomb).Length < 64 * 1024);

        await using var stream = File.OpenRead(bomb);
        var refused = await Assert.ThrowsAsync<BackupException>(() => manager.ImportAsync(stream, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.TooLarge, refused.Error);
        Assert.Empty(Directory.GetFiles(_boat.BackupsFolder, "*.partial"));
    }

    [Fact]
    public async Task Encryption_without_a_passphrase_is_refused_before_anything_is_written()
    {
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 32768);
        var (manager, copier, _, services) = Library();
        using var __ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<BackupException>(() => copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.PassphraseNeeded, refused.Error);
        Assert.Contains("d3kos-backup key set", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(drive.MountPoint));
    }

    [Fact]
    public async Task A_tampered_copy_is_refused_on_import_and_nothing_is_kept()
    {
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 32768);
        var (manager, copier, key, services) = Library();
        using var _ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var copy = Path.Combine(drive.CopiesFolder, (await copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken)).CopyFile);
        var bytes = File.ReadAllBytes(copy);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(copy, bytes);

        await using var stream = File.OpenRead(copy);
        var refused = await Assert.ThrowsAsync<BackupException>(() => manager.ImportAsync(stream, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.InvalidArchive, refused.Error);
        Assert.Contains("modified or damaged", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(manager.List(), b => b.Kind == "imported");
        Assert.Empty(Directory.GetFiles(_boat.BackupsFolder, "*.partial"));
    }

    [Fact]
    public async Task The_wrong_passphrase_gives_a_clear_error_and_nothing_is_kept()
    {
        using var drive = MountedDrive.Tmpfs(DrivePath, kilobytes: 32768);
        var (manager, copier, key, services) = Library();
        using var _ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var copy = Path.Combine(drive.CopiesFolder, (await copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken)).CopyFile);
        key.Set("another passphrase entirely");

        await using var stream = File.OpenRead(copy);
        var refused = await Assert.ThrowsAsync<BackupException>(() => manager.ImportAsync(stream, TestContext.Current.CancellationToken));

        Assert.Equal(BackupError.WrongPassphrase, refused.Error);
        Assert.Contains("passphrase does not open this copy", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(manager.List(), b => b.Kind == "imported");
    }

    [Fact]
    public async Task A_copy_that_gpg_itself_encrypted_imports()
    {
        var (manager, _, key, services) = Library();
        using var __ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var byGpg = Path.Combine(_boat.Root.Path, "by-gpg.tar.gz.gpg");
        var (code, error) = Gpg.Run("--passphrase", Passphrase, "--symmetric", "--cipher-algo", "AES256", "--output", byGpg, backup.Path);
        Assert.True(code == 0, error);

        await using var stream = File.OpenRead(byGpg);
        var imported = await manager.ImportAsync(stream, TestContext.Current.CancellationToken);

        Assert.Equal(backup.Sha256, imported.Backup.Sha256);
        Assert.Equal("imported", imported.Backup.Kind);
    }

    [Fact]
    public async Task Imports_in_progress_keep_their_partial_files_when_another_command_starts()
    {
        // Every CLI start removes what killed backups and imports left; running imports' files are not that,
        // and two imports at once (a shared lock) do not stop each other.
        var (manager, _, _, services) = Library(encrypt: false);
        using var __ = services;
        var backup = File.ReadAllBytes(manager.Create(cancellationToken: TestContext.Current.CancellationToken).Path);
        var gate = new TaskCompletionSource();
        var imports = Enumerable.Range(0, 2).Select(_ => manager.ImportAsync(new GatedStream(backup, gate.Task), TestContext.Current.CancellationToken)).ToList();
        await Eventually.TrueAsync(() => Directory.GetFiles(_boat.BackupsFolder, ".upload-*.partial").Length == 2, "both imports' partial files");

        manager.RecoverAfterCrash();
        gate.SetResult();

        Assert.All(await Task.WhenAll(imports), imported => Assert.Equal("imported", imported.Backup.Kind));
    }

    [Fact]
    public async Task A_new_pi_restores_from_the_encrypted_copy_on_the_drive()
    {
        using var drive = MountedDrive.Image(DrivePath, "ext4", megabytes: 32);
        var (manager, copier, key, services) = Library();
        using var _ = services;
        key.Set(Passphrase);
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var copyName = (await copier.CopyAsync(backup.FileName, "usb", null, TestContext.Current.CancellationToken)).CopyFile;
        var sources = BoatSources(_boat);

        // The old card is gone: a fresh root with nothing in it, the same stick, the same passphrase typed again.
        using var newPi = new BoatRoot(empty: true);
        using var moved = drive.MoveTo(newPi.Root.At("/media/d3kos-usb"));
        var (newManager, _, newKey, newServices) = Library(boat: newPi);
        using var ___ = newServices;
        newKey.Set(Passphrase);
        await using (var stream = File.OpenRead(Path.Combine(moved.CopiesFolder, copyName)))
        {
            var imported = await newManager.ImportAsync(stream, TestContext.Current.CancellationToken);
            var restored = newManager.RestoreKept(imported.Backup.Filename, replaceInstallationId: true, cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(restored.FilesRestored > 0);
        }

        Assert.Equal(sources, BoatSources(newPi));
    }

    [Fact]
    public void The_passphrase_is_never_inside_a_backup_is_owner_only_and_stays_across_a_restore()
    {
        var (manager, _, key, services) = Library();
        using var __ = services;
        key.Set(Passphrase);
        var stored = _boat.Root.At(BackupPassphrase.PiPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stored));
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        Assert.DoesNotContain("backup-passphrase", BoatRoot.Tar("tzf", backup.Path), StringComparison.Ordinal);
        key.Set("a later passphrase, changed");
        manager.RestoreKept(backup.FileName, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("a later passphrase, changed", File.ReadAllText(stored));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stored));
    }

    [Theory]
    [InlineData("short")]
    [InlineData("twelve chars\nwith a line break")]
    public void A_passphrase_that_is_too_short_or_has_control_characters_is_refused(string passphrase)
    {
        var (_, _, key, services) = Library();
        using var __ = services;

        Assert.Equal(BackupError.InvalidInput, Assert.Throws<BackupException>(() => key.Set(passphrase)).Error);
        Assert.False(key.IsSet);
    }

    /// <summary>
    /// Every file of the backed-up sources with its content, minus what belongs to the device and what a
    /// backup leaves out (temporary files); a database by name only, as the backup holds a snapshot of it.
    /// </summary>
    private static SortedDictionary<string, string> BoatSources(BoatRoot boat)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in new[] { "/opt/d3kos/config", "/opt/d3kos/data", "/var/www/html", "/home/d3kos/.signalk", "/home/d3kos/.node-red" })
        {
            var folder = boat.Root.At(source);
            foreach (var file in Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : [])
            {
                var relative = Path.GetRelativePath(boat.Root.Path, file);
                if (!relative.EndsWith("backup-passphrase", StringComparison.Ordinal) && !relative.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    files[relative] = relative.EndsWith(".db", StringComparison.Ordinal) ? "database" : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
                }
            }
        }
        return files;
    }

    public void Dispose() => _boat.Dispose();

    /// <summary>An upload that sends half its bytes, then waits for the test before sending the rest.</summary>
    private sealed class GatedStream(byte[] content, Task gate) : MemoryStream(content)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= Length / 2)
            {
                await gate.WaitAsync(cancellationToken);
            }
            return await base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Math.Max(1, Length / 2 - Position > 0 ? Length / 2 - Position : buffer.Length))], cancellationToken);
        }
    }
}
