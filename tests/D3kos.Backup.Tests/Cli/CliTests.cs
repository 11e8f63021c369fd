using System.Diagnostics;

namespace D3kos.Backup.Tests;

/// <summary>The d3kos-backup program itself, run as a process the way the scripts run it.</summary>
public sealed class CliTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    private (int Code, string Out, string Error) Run(string stdin, params string[] args) => RunWith([], stdin, args);

    private (int Code, string Out, string Error) RunWith(Dictionary<string, string> environment, string stdin, params string[] args)
    {
        using var process = CliProcess.Start(_boat, environment, args);
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "d3kos-backup did not finish");
        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void Create_prints_what_the_old_script_printed()
    {
        var (code, output, _) = Run("", "create");

        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Equal("Creating d3kOS backup...", lines[0]);
        Assert.Matches(@"^Backup created: .*/opt/d3kos/backups/d3kos_backup_\d{8}_\d{6}\.tar\.gz$", lines[1]);
        Assert.Matches(@"^Size: [0-9.]+[KMG]?$", lines[2]);
    }

    [Fact]
    public void Restore_without_file_lists_the_backups()
    {
        Run("", "create");

        var (code, output, _) = Run("", "restore");

        Assert.Equal(0, code);
        Assert.Contains("d3kos_backup_", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_without_yes_and_without_a_terminal_refuses_and_changes_nothing()
    {
        Run("", "create");
        var name = Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz").Select(Path.GetFileName).Single()!;
        _boat.Root.Write("/var/www/html/index.html", "changed");

        var (code, _, error) = Run("yes\n", "restore", name);

        Assert.Equal(2, code);
        Assert.Contains("--yes", error, StringComparison.Ordinal);
        Assert.Equal("changed", File.ReadAllText(_boat.Root.At("/var/www/html/index.html")));
    }

    [Fact]
    public void Restore_with_yes_restores()
    {
        Run("", "create");
        var name = Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz").Select(Path.GetFileName).Single()!;
        var original = File.ReadAllText(_boat.Root.At("/var/www/html/index.html"));
        _boat.Root.Write("/var/www/html/index.html", "changed");

        var (code, output, _) = Run("", "restore", name, "--yes");

        Assert.Equal(0, code);
        Assert.Contains("Restored ", output, StringComparison.Ordinal);
        Assert.Contains("Safety backup d3kos_prerestore_", output, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_boat.BackupsFolder, "d3kos_prerestore_*.tar.gz"));
        Assert.Equal(original, File.ReadAllText(_boat.Root.At("/var/www/html/index.html")));
    }

    [Fact]
    public void Verify_exit_codes_say_whether_the_archive_is_good()
    {
        Run("", "create");
        var path = Directory.GetFiles(_boat.BackupsFolder, "*.tar.gz").Single();

        Assert.Equal(0, Run("", "verify", Path.GetFileName(path)).Code);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..200]);
        Assert.Equal(4, Run("", "verify", path).Code);
        Assert.Equal(6, Run("", "verify", "d3kos_backup_20200101_000000.tar.gz").Code);
        Assert.Equal(6, Run("", "verify", "../no/such/file.tar.gz").Code);
        // A name no backup can have is a path, like any other: here, one that is not there.
        Assert.Equal(6, Run("", "verify", "passwd").Code);
    }

    [Fact]
    public void Unknown_command_is_named_and_exits_2()
    {
        var (code, _, error) = Run("", "explode");

        Assert.Equal(2, code);
        Assert.Contains("'explode'", error, StringComparison.Ordinal);
        Assert.Contains("d3kos-backup --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_while_the_api_holds_the_lock_exits_3()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        using var held = BackupLock.Acquire(manager.Paths);

        var (code, _, error) = Run("", "create");

        Assert.Equal(3, code);
        Assert.Contains("Another backup or restore is running", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_of_a_missing_file_says_so_and_exits_6()
    {
        var (code, output, error) = Run("", "import", "/missing.tar.gz");

        AssertOneSentence(error, "Error: No such file: /missing.tar.gz.");
        Assert.Equal(6, code);
        Assert.Empty(output);
    }

    [Theory]
    [InlineData("Backup__Keep", "abc", "Error: Invalid setting Backup:Keep: 'abc' is not a whole number.")]
    [InlineData("Backup__MaxRestoreBytes", "lots", "Error: Invalid setting Backup:MaxRestoreBytes: 'lots' is not a whole number.")]
    [InlineData("Backup__Keep", "0", "Error: Invalid setting: Backup:Keep must be between 1 and 2147483647.")]
    [InlineData("Backup__BackupsFolder", "backups", "Error: Invalid setting: Backup:BackupsFolder must be an absolute path as on the Pi")]
    public void A_setting_that_does_not_hold_names_its_key_and_exits7(string key, string value, string sentence)
    {
        var (code, _, error) = RunWith(new() { [key] = value }, "", "list");

        AssertOneSentence(error, sentence);
        Assert.Equal(7, code);
    }

    [Fact]
    public void An_unreadable_backups_folder_is_permission_denied_and_exits8()
    {
        Directory.CreateDirectory(_boat.BackupsFolder);
        // Every folder above it open to all (a temp folder is 0700), the backups folder to none.
        _boat.Root.OpenFoldersAbove(_boat.BackupsFolder);
        File.SetUnixFileMode(_boat.BackupsFolder, UnixFileMode.None);
        try
        {
            // As root every folder is readable: run the CLI as nobody, the way a local user would.
            var (code, _, error) = Environment.UserName == "root"
                ? RunAsNobody("list")
                : Run("", "list");

            Assert.Equal(8, code);
            Assert.StartsWith("Error: Access to the path", error, StringComparison.Ordinal);
            AssertOneSentence(error, null);
        }
        finally
        {
            File.SetUnixFileMode(_boat.BackupsFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private (int Code, string Out, string Error) RunAsNobody(params string[] args)
    {
        var start = new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Path.Combine(AppContext.BaseDirectory, "d3kos-backup"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["D3KOS_FS_ROOT"] = _boat.Root.Path;
        // The .NET host looks for its runtime through DOTNET_ROOT when HOME is root's.
        start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "d3kos-backup did not finish");
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>One line on standard error, no stack trace ("   at ..." lines) and no exception type name.</summary>
    private static void AssertOneSentence(string error, string? expected)
    {
        var lines = error.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
        if (expected is not null)
        {
            Assert.Equal(expected, lines[0]);
        }
    }

    [Fact]
    public void Key_set_reads_the_first_line_of_standard_input_and_stores_it_owner_only_and_never_prints_it()
    {
        var (code, output, error) = Run("a passphrase for the boat\n", "key", "set");

        Assert.Equal(0, code);
        Assert.DoesNotContain("a passphrase for the boat", output + error, StringComparison.Ordinal);
        var stored = _boat.Root.At("/opt/d3kos/config/backup-passphrase");
        Assert.Equal("a passphrase for the boat", File.ReadAllText(stored));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stored));
        Assert.Equal("A passphrase is set.", Run("", "key", "status").Out.Trim());
    }

    [Fact]
    public void Central_secret_set_keeps_the_key_for_the_export_manager_alone_and_never_prints_it()
    {
        // The installer makes the token's hash root:d3kos; the services' group is taken from it.
        var hash = _boat.Root.Write("/opt/d3kos/config/api-token.sha256", "sha256:" + new string('0', 64));
        D3kos.Common.Interop.UnixFile.SetOwner(hash, 0, 4242);

        var (code, output, error) = Run("shore-secret-key-0123456789\n", "central-secret", "set");
        var refused = Run("\n", "central-secret", "set");

        Assert.Equal(0, code);
        Assert.DoesNotContain("shore-secret-key", output + error, StringComparison.Ordinal);
        var stored = _boat.Root.At(D3kos.Common.Storage.CentralSecret.PiFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(stored));
        Assert.Equal(4242, D3kos.Common.Interop.FileStat.Lstat(stored).Gid);
        Assert.Equal("shore-secret-key-0123456789", File.ReadAllText(stored));
        Assert.Equal(2, refused.Code);
        Assert.Equal("Error: The secret key must be one line of printable characters; nothing was changed.", refused.Error.Trim());
        Assert.Equal("shore-secret-key-0123456789", File.ReadAllText(stored));
    }

    [Fact]
    public void Pair_prints_a_one_time_link_on_the_given_address_and_keeps_only_its_hash()
    {
        _boat.Root.Write("/opt/d3kos/config/api-token", "owner-token-0123456789abcdef");

        var (code, output, _) = Run("", "pair", "http://192.168.4.1:8080/ignored/path");

        Assert.Equal(0, code);
        var link = Assert.Single(output.Split('\n'), line => line.Contains("#pair=", StringComparison.Ordinal)).Trim();
        Assert.Matches(@"^http://192\.168\.4\.1:8080/d3kos/#pair=[A-Za-z0-9_-]{22}$", link);
        var stored = Assert.Single(Directory.GetFiles(_boat.Root.At(D3kos.Common.Security.AuthOptions.PairingFolder)));
        Assert.DoesNotContain(link[^22..], Path.GetFileName(stored) + File.ReadAllText(stored), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stored));
    }

    [Fact]
    public async Task Pair_on_a_terminal_also_prints_the_link_as_a_qr_code_in_unicode_blocks()
    {
        _boat.Root.Write("/opt/d3kos/config/api-token", "owner-token-0123456789abcdef");
        // script(1) runs the program with a terminal as its standard output, as on the helm's console.
        var start = new ProcessStartInfo("script", ["-q", "-e", "-c", $"{Path.Combine(AppContext.BaseDirectory, "d3kos-backup")} pair http://192.168.4.1:8080", "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            Environment = { ["D3KOS_FS_ROOT"] = _boat.Root.Path },
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var lines = output.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var (_, piped, _) = Run("", "pair", "http://192.168.4.1:8080");

        Assert.Equal(0, process.ExitCode);
        var link = Assert.Single(lines, line => line.Contains("#pair=", StringComparison.Ordinal)).Trim();
        var blocks = lines.Where(line => line.Length > 0 && line.All(c => c is ' ' or '█' or '▀' or '▄')).ToList();
        // Two rows of modules a line; light modules are the blocks (a terminal's light text on its dark background).
        using var expected = QRCoder.QRCodeGenerator.GenerateQrCode(link, QRCoder.QRCodeGenerator.ECCLevel.M);
        var matrix = expected.ModuleMatrix;
        Assert.Equal((matrix.Count + 1) / 2, blocks.Count);
        for (var row = 0; row < matrix.Count; row++)
        {
            for (var column = 0; column < matrix.Count; column++)
            {
                var block = blocks[row / 2][column];
                var lit = row % 2 == 0 ? block is '█' or '▀' : block is '█' or '▄';
                Assert.True(lit != matrix[row][column], $"module {row},{column} of the printed code differs from the link's");
            }
        }
        Assert.Matches(@"valid (9|10) minutes", lines.Single(line => line.Contains("Open this link", StringComparison.Ordinal)));
        Assert.DoesNotContain('▀', piped); // a pipe or a log gets the link alone
    }

    [Theory]
    [InlineData("no-token", 7, "no access token is configured")]
    [InlineData("ftp://helm", 2, "is not an http:// or https:// address")]
    public void Pair_refuses_with_one_sentence(string address, int exitCode, string sentence)
    {
        if (address != "no-token")
        {
            _boat.Root.Write("/opt/d3kos/config/api-token", "owner-token-0123456789abcdef");
        }

        var (code, _, error) = address == "no-token" ? Run("", "pair") : Run("", "pair", address);

        Assert.Equal(exitCode, code);
        Assert.Contains(sentence, error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Key_set_with_a_short_passphrase_is_refused_with_exit_2()
    {
        var (code, _, error) = Run("short\n", "key", "set");

        Assert.Equal(2, code);
        Assert.StartsWith("Error: The passphrase must have at least 12 characters", error, StringComparison.Ordinal);
        Assert.False(File.Exists(_boat.Root.At("/opt/d3kos/config/backup-passphrase")));
    }

    [Fact]
    public void Copy_to_a_drive_that_is_not_mounted_exits_10_and_status_shows_the_failure()
    {
        Directory.CreateDirectory(_boat.Root.At("/media/usb"));
        var target = new Dictionary<string, string> { ["Backup__Targets__0__Name"] = "usb", ["Backup__Targets__0__Path"] = "/media/usb" };
        Run("a passphrase for the boat\n", "key", "set");
        Run("", "create");
        var backup = Path.GetFileName(Directory.GetFiles(_boat.BackupsFolder, "d3kos_backup_*.tar.gz").Single());

        var (code, _, error) = RunWith(target, "", "copy", backup, "--to", "usb");

        Assert.Equal(10, code);
        Assert.Equal($"Error: The drive 'usb' cannot take a copy: /media/usb is a folder on the SD card, not a mounted drive (is the stick inserted?). Nothing was written, so the card does not fill up.", error.Trim());
        var status = RunWith(target, "", "status");
        Assert.Equal(0, status.Code);
        Assert.Contains("Target usb: drive at /media/usb, encrypted, keeps 10; now: The drive 'usb' cannot take a copy", status.Out, StringComparison.Ordinal);
        Assert.Contains($"last copy FAILED: ", status.Out, StringComparison.Ordinal);
        Assert.StartsWith("Problems (1):\n  WARN copyFailed.usb: The last copy to 'usb' failed: The drive 'usb' cannot take a copy", status.Out, StringComparison.Ordinal);
        Assert.Contains("    What to do: Fix what the message says, then copy the newest backup to 'usb'", status.Out, StringComparison.Ordinal);
        Assert.Contains("Passphrase for encrypted copies: set", status.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cli_reads_the_settings_file_the_api_reads_and_the_environment_stays_above_it()
    {
        _boat.Root.Write("/etc/d3kos/backup.json", """
            { "Backup": { "Schedule": { "Calendar": "15 4 * * *", "KeepDaily": 30 },
                          "Targets": [ { "Name": "usb", "Path": "/media/usb", "Keep": 3 } ] } }
            """);

        var fromFile = Run("", "status");
        var overridden = RunWith(new() { ["Backup__Schedule__Calendar"] = "0 2 * * *" }, "", "status");

        Assert.Equal(0, fromFile.Code);
        Assert.Contains("Automatic backups: on, '15 4 * * *'", fromFile.Out, StringComparison.Ordinal);
        Assert.Contains("Target usb: drive at /media/usb, encrypted, keeps 3", fromFile.Out, StringComparison.Ordinal);
        Assert.Contains("Automatic backups: on, '0 2 * * *'", overridden.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_settings_file_that_is_not_json_or_that_another_user_can_change_is_refused_with_exit_7()
    {
        var file = _boat.Root.Write("/etc/d3kos/backup.json", "{ \"Backup\": { \"Keep\": 7, ");

        var broken = Run("", "list");
        File.WriteAllText(file, """{ "Backup": { "ServiceCommand": "/tmp/anything" } }""");
        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("666", 8));
        var writable = Run("", "list");

        Assert.Equal(7, broken.Code);
        Assert.StartsWith($"Error: The settings file {file} cannot be read: ", broken.Error, StringComparison.Ordinal);
        Assert.Equal(7, writable.Code);
        Assert.Equal($"Error: The settings file /etc/d3kos/backup.json is not used: another user can change {file}. Make it and its folders root's and not writable by others.", writable.Error.Trim());
    }

    [Fact]
    public void Copy_to_a_target_that_is_not_configured_names_the_ones_that_are_and_exits_2()
    {
        Run("", "create");
        var backup = Path.GetFileName(Directory.GetFiles(_boat.BackupsFolder, "d3kos_backup_*.tar.gz").Single());

        var (code, _, error) = RunWith(new() { ["Backup__Targets__0__Name"] = "usb", ["Backup__Targets__0__Path"] = "/media/usb" }, "", "copy", backup, "--to", "s3");

        Assert.Equal(2, code);
        Assert.Equal("Error: No copy target named 's3'; configured: usb.", error.Trim());
    }

    [Fact]
    public void Import_of_an_encrypted_copy_without_the_passphrase_set_says_what_to_do_and_exits_9()
    {
        Run("", "create");
        var backup = Directory.GetFiles(_boat.BackupsFolder, "d3kos_backup_*.tar.gz").Single();
        var copy = Path.Combine(_boat.Root.Path, "from-the-stick.tar.gz.gpg");
        var (gpg, gpgError) = Gpg.Run("--passphrase", "a passphrase for the boat", "--symmetric", "--output", copy, backup);
        Assert.True(gpg == 0, gpgError);

        var (code, _, error) = Run("", "import", copy);

        Assert.Equal(9, code);
        Assert.StartsWith("Error: No backup passphrase is set on this device: set one with 'd3kos-backup key set'", error, StringComparison.Ordinal);
        Run("a passphrase for the boat\n", "key", "set");
        var imported = Run("", "import", copy);
        Assert.Equal(0, imported.Code);
        Assert.StartsWith("Imported as d3kos_imported_", imported.Out, StringComparison.Ordinal);
    }

    public void Dispose() => _boat.Dispose();
}
