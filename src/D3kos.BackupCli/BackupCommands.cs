using System.Globalization;
using D3kos.Backup;
using D3kos.Common.Security;

namespace D3kos.BackupCli;

/// <summary>d3kos-backup create | list | verify | restore | import | delete | copy | status | key | pair (see <see cref="Usage"/>).</summary>
internal sealed class BackupCommands(
    BackupManager backups, BackupCopier copier, AutomaticBackups automatic, BackupPassphrase passphrase, CopySecrets secrets, OwnerSessions sessions, CliConsole console)
{
    public const string Usage = """
        Usage: d3kos-backup <command>
          create                                  make a backup of the boat's config and data
          list                                    list the backups, newest first
          verify FILE                             check every file of a backup against its manifest
          restore [FILE] [--yes] [--replace-id] [--accept-no-checksums]
                                                  restore a backup (without FILE: list them); a legacy backup
                                                  of d3kOS v0.9.1.2 has no per-file checksums and needs
                                                  --accept-no-checksums with --yes
          import FILE                             take a backup made on another device or a copy from a drive
                                                  (an encrypted .gpg copy is opened with the passphrase set here)
          import s3://BUCKET/PREFIX/NAME          bring a copy back from a configured S3 target's bucket
          copies TARGET                           list the copies a target holds, newest first (a bucket is
                                                  listed over the network), with the address to import each
          delete FILE                             delete a backup
          copy FILE --to TARGET                   copy a backup to a configured target (Backup__Targets__N__Name)
          status                                  automatic backups (last run, next run) and every target's last copy
          key set                                 set the passphrase that encrypts copies (read from the terminal,
                                                  or the first line of standard input)
          key status                              say whether a passphrase is set (never shows it)
          secret set TARGET                       set the secret key of an S3 target (from the terminal, or the
                                                  first line of standard input); kept 0600, never in a backup
          central-secret set                      set the secret key the export manager uses for Central:Url=s3://…
                                                  (from the terminal or standard input); kept 0640 root:d3kos,
                                                  never in a backup; restart d3kos-export-manager after it
          pair [URL]                              print a one-time link (10 minutes) that signs a phone or tablet
                                                  in to the owner's page; URL is the helm's address as the phone
                                                  reaches it (default http://HOSTNAME.local)
        FILE is a backup name (d3kos_backup_YYYYMMDD_HHMMSS.tar.gz) or a path to one.
        Exit codes: 0 done, 1 failed, 2 usage or refused, 3 another backup or restore is running,
                    4 the archive is invalid or unsafe, 5 not enough disk space, 6 no such backup or file,
                    7 a setting (Backup__*, D3KOS_FS_ROOT) is invalid, 8 permission denied,
                    9 no passphrase is set or it does not open the copy, 10 the target is not mounted or not writable.
        """;

    public async Task<int> RunAsync(string[] args)
    {
        // "--to TARGET" is the one option with a value.
        var to = Array.IndexOf(args, "--to");
        var target = to >= 0 && to + 1 < args.Length ? args[to + 1] : null;
        args = to >= 0 ? [.. args[..to], .. args[Math.Min(to + 2, args.Length)..]] : args;
        var options = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var words = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var unknown = options.Except(["--yes", "--replace-id", "--accept-no-checksums", "--help"]).ToList();
        if (words.Length == 0 || options.Contains("--help") || unknown.Count > 0)
        {
            if (unknown.Count > 0)
            {
                await console.Error.WriteLineAsync($"Unknown option {unknown[0]}");
            }
            await console.Error.WriteLineAsync(Usage);
            return options.Contains("--help") && unknown.Count == 0 ? ExitCodes.Ok : ExitCodes.Usage;
        }
        // Failures (BackupException and the rest) reach Program.Main, which prints one sentence.
        return (words[0], words.Length) switch
        {
            ("create", 1) => await CreateAsync(),
            ("list", 1) => await ListAsync(),
            ("verify", 2) => await VerifyAsync(words[1]),
            ("restore", 1) => await ListAsync(),
            ("restore", 2) => await RestoreAsync(words[1], options.Contains("--yes"), options.Contains("--replace-id"), options.Contains("--accept-no-checksums")),
            ("import", 2) => await ImportAsync(words[1]),
            ("copies", 2) => await CopiesAsync(words[1]),
            ("delete", 2) => await DeleteAsync(words[1]),
            ("copy", 2) when target is not null => await CopyAsync(words[1], target),
            ("status", 1) => await StatusAsync(),
            ("key", 2) when words[1] == "set" => await SetKeyAsync(),
            ("key", 2) when words[1] == "status" => await KeyStatusAsync(),
            ("secret", 3) when words[1] == "set" => await SetSecretAsync(words[2]),
            ("central-secret", 2) when words[1] == "set" => await SetCentralSecretAsync(),
            ("pair", 1) => await PairAsync($"http://{Environment.MachineName}.local"),
            ("pair", 2) => await PairAsync(words[1]),
            _ => await UsageErrorAsync(),
        };
    }

    private async Task<int> CreateAsync()
    {
        await console.Out.WriteLineAsync("Creating d3kOS backup...");
        var result = backups.Create(Progress("Backing up"));
        ClearProgress();
        await console.Out.WriteLineAsync($"Backup created: {result.Path}");
        await console.Out.WriteLineAsync($"Size: {HumanSize.Format(result.SizeBytes)}");
        foreach (var skipped in result.SourcesSkipped)
        {
            await console.Out.WriteLineAsync($"Skipped (not present): {skipped}");
        }
        return ExitCodes.Ok;
    }

    private async Task<int> ListAsync()
    {
        var list = backups.List();
        if (list.Count == 0)
        {
            await console.Out.WriteLineAsync($"No backups in {backups.Paths.BackupsFolder}");
            return ExitCodes.Ok;
        }
        foreach (var backup in list)
        {
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{backup.Filename,-45} {HumanSize.Format(backup.SizeBytes),6}  {backup.Created:yyyy-MM-dd HH:mm:ss}Z  {backup.Kind}"));
        }
        return ExitCodes.Ok;
    }

    private async Task<int> VerifyAsync(string file)
    {
        var report = IsPath(file) && !InBackupsFolder(file) ? backups.VerifyFile(file) : backups.Verify(NameOf(file));
        if (report.Valid && report.Legacy)
        {
            await console.Out.WriteLineAsync($"OK (legacy): {report.FilesChecked} files read, the gzip checksum is good and every entry passes the restore's checks");
            await console.Out.WriteLineAsync($"Note: {VerifyReport.LegacyNote}");
            return ExitCodes.Ok;
        }
        if (report.Valid)
        {
            await console.Out.WriteLineAsync($"OK: {report.FilesChecked} files match the manifest");
            return ExitCodes.Ok;
        }
        foreach (var error in report.Errors)
        {
            await console.Out.WriteLineAsync($"INVALID: {error}");
        }
        return ExitCodes.InvalidArchive;
    }

    private async Task<int> RestoreAsync(string file, bool yes, bool replaceId, bool acceptNoChecksums)
    {
        if (IsPath(file) && !InBackupsFolder(file))
        {
            await console.Error.WriteLineAsync($"{file} is not in {backups.Paths.BackupsFolder}: run 'd3kos-backup import {file}' first.");
            return ExitCodes.Usage;
        }
        var name = NameOf(file);
        var legacy = backups.IsLegacy(name);
        if (!yes)
        {
            if (!console.InputIsTerminal)
            {
                await console.Error.WriteLineAsync("Refusing to restore without --yes when there is no terminal to confirm on.");
                return ExitCodes.Usage;
            }
            // A legacy backup is confirmed with a phrase that says what is missing.
            var phrase = legacy ? "restore without checksums" : "yes";
            var warning = legacy
                ? $"{name} is a legacy backup from d3kOS v0.9.1.2: it has no per-file checksums, so damage inside a file cannot be detected. "
                : "";
            await console.Out.WriteAsync($"{warning}Restoring {name} replaces the boat's configuration and data (a safety backup is taken first). Type {phrase} to continue: ");
            if (!string.Equals((await console.In.ReadLineAsync())?.Trim(), phrase, StringComparison.Ordinal))
            {
                await console.Out.WriteLineAsync("Restore cancelled; nothing was changed.");
                return ExitCodes.Usage;
            }
            acceptNoChecksums = legacy;
        }
        var result = backups.Restore(name, replaceId, Progress("Restoring"), acceptNoChecksums);
        ClearProgress();
        await console.Out.WriteLineAsync($"Restored {result.FilesRestored} files from {result.BackupFile}");
        await console.Out.WriteLineAsync($"Safety backup of the previous state: {result.SafetyBackup}");
        await console.Out.WriteLineAsync(FormattableString.Invariant(
            $"Services were down for {result.DowntimeMs / 1000.0:0.000} s; the restore took {result.DurationMs / 1000.0:0.000} s, {result.CleanupMs / 1000.0:0.000} s of it removing the previous copy"));
        foreach (var warning in result.Warnings)
        {
            await console.Out.WriteLineAsync($"Warning: {warning}");
        }
        return ExitCodes.Ok;
    }

    private async Task<int> ImportAsync(string file)
    {
        BackupInfo info;
        if (file.StartsWith("s3://", StringComparison.Ordinal))
        {
            await console.Out.WriteLineAsync($"Fetching {file} ...");
            try
            {
                info = await copier.ImportFromBucketAsync(file, backups, CancellationToken.None, Progress("Fetching"));
            }
            finally
            {
                ClearProgress(); // also before a failure's sentence
            }
        }
        else
        {
            await using var stream = File.OpenRead(file);
            info = await backups.ImportAsync(stream, CancellationToken.None);
        }
        await console.Out.WriteLineAsync($"Imported as {info.Filename} ({HumanSize.Format(info.SizeBytes)})");
        return ExitCodes.Ok;
    }

    private async Task<int> CopiesAsync(string target)
    {
        var copies = await copier.ListCopiesAsync(target, CancellationToken.None);
        if (copies.Count == 0)
        {
            await console.Out.WriteLineAsync($"No copies on '{target}'.");
            return ExitCodes.Ok;
        }
        foreach (var copy in copies)
        {
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{HumanSize.Format(copy.SizeBytes),6}  {copy.ModifiedAt:yyyy-MM-dd HH:mm:ss}Z  {copy.Address}"));
        }
        return ExitCodes.Ok;
    }

    private async Task<int> DeleteAsync(string file)
    {
        backups.Delete(NameOf(file));
        await console.Out.WriteLineAsync($"Deleted {NameOf(file)}");
        return ExitCodes.Ok;
    }

    private async Task<int> CopyAsync(string file, string target)
    {
        CopyResult result;
        try
        {
            result = await copier.CopyAsync(NameOf(file), target, Progress("Copying"), CancellationToken.None);
        }
        finally
        {
            ClearProgress(); // also before a failure's sentence
        }
        await console.Out.WriteLineAsync($"Copied {result.BackupFile} to {result.Target} as {result.CopyFile} ({HumanSize.Format(result.SizeBytes)}, {(result.Encrypted ? "encrypted" : "not encrypted")}, {(copier.Targets.First(t => t.Name == result.Target).Kind == CopyTargetOptions.S3Kind ? "sent and checked" : "read back and checked")})");
        foreach (var deleted in result.Deleted)
        {
            await console.Out.WriteLineAsync($"Retention removed {deleted} from {result.Target}");
        }
        return ExitCodes.Ok;
    }

    private async Task<int> StatusAsync()
    {
        var status = await automatic.StatusAsync(CancellationToken.None);
        var schedule = status.Schedule;
        await console.Out.WriteLineAsync(schedule.Enabled
            ? $"Automatic backups: on, '{schedule.Calendar}' ({schedule.TimeZone}); next run: {Time(schedule.NextRun) ?? "planned when the backup API starts"}{(schedule.Running ? "; a run is going on now" : "")}"
            : "Automatic backups: off (Backup__Schedule__Enabled=false)");
        if (schedule.LastRun is { } run)
        {
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Last run: {Time(run.Started)}, {run.Result}{(run.BackupFile is null ? "" : $", {run.BackupFile} ({HumanSize.Format(run.SizeBytes)})")}, {run.DurationMs / 1000.0:0.0} s"));
            foreach (var line in new[] { run.Note, run.Error }.OfType<string>())
            {
                await console.Out.WriteLineAsync($"  {line}");
            }
        }
        await console.Out.WriteLineAsync($"Passphrase for encrypted copies: {(status.PassphraseSet ? "set" : "not set (d3kos-backup key set)")}");
        foreach (var t in status.Targets)
        {
            await console.Out.WriteLineAsync($"Target {t.Name}: {t.Kind} at {t.Path}, {(t.Encrypt ? "encrypted" : "NOT encrypted")}, keeps {t.Keep}"
                + (t.Unavailable is not null ? $"; now: {t.Unavailable}" : t.Copies is { } copies ? $", {copies.Count} copies there" : ""));
            if (t.LastCopy is { } copy)
            {
                await console.Out.WriteLineAsync(copy.Succeeded
                    ? $"  last copy: {Time(copy.Time)}, {copy.CopyFile} ({HumanSize.Format(copy.SizeBytes)})"
                    : $"  last copy FAILED: {Time(copy.Time)}, {copy.BackupFile}: {copy.Error}");
            }
        }
        return ExitCodes.Ok;
    }

    private static string? Time(DateTimeOffset? time) =>
        time?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    /// <summary>Reads the passphrase without echo on a terminal (twice, to catch a typo), else the first line of standard input.</summary>
    private async Task<int> SetKeyAsync()
    {
        string? first;
        if (console.InputIsTerminal)
        {
            await console.Out.WriteAsync("New passphrase for encrypted copies (keep it somewhere off the boat too): ");
            first = ReadHidden();
            await console.Out.WriteAsync("Again: ");
            if (ReadHidden() != first)
            {
                await console.Error.WriteLineAsync("The two passphrases differ; nothing was changed.");
                return ExitCodes.Usage;
            }
        }
        else
        {
            first = await console.In.ReadLineAsync();
        }
        passphrase.Set(first ?? "");
        await console.Out.WriteLineAsync("Passphrase set. Copies made from now on are encrypted with it; keep a copy of it off the boat.");
        return ExitCodes.Ok;
    }

    private async Task<int> SetSecretAsync(string target)
    {
        if (!copier.Targets.Any(t => t.Name == target && t.Kind == CopyTargetOptions.S3Kind))
        {
            await console.Error.WriteLineAsync($"Error: there is no S3 target named '{target}' (Backup:Targets, Kind s3).");
            return ExitCodes.Usage;
        }
        string? secret;
        if (console.InputIsTerminal)
        {
            await console.Out.WriteAsync($"Secret key of '{target}': ");
            secret = ReadHidden();
        }
        else
        {
            secret = await console.In.ReadLineAsync();
        }
        secrets.Set(target, secret ?? "");
        await console.Out.WriteLineAsync($"Secret key of '{target}' set.");
        return ExitCodes.Ok;
    }

    private async Task<int> SetCentralSecretAsync()
    {
        // The export manager reads it through the services' group, which the installer gives the token's hash file.
        if (sessions.ServicesGroupId is not { } group)
        {
            await console.Error.WriteLineAsync("Error: the services' group is unknown (the token's hash file /opt/d3kos/config/api-token.sha256 is missing): run deploy/install.sh first; nothing was changed.");
            return ExitCodes.Usage;
        }
        string? secret;
        if (console.InputIsTerminal)
        {
            await console.Out.WriteAsync("Secret key for exports to S3 (Central:AccessKey's): ");
            secret = ReadHidden();
        }
        else
        {
            secret = await console.In.ReadLineAsync();
        }
        try
        {
            // Group root: a machine without the d3kos user, whose services run as root; the key is then root's alone.
            D3kos.Common.Storage.CentralSecret.Write(backups.Paths.Root.Resolve(D3kos.Common.Storage.CentralSecret.PiFile), secret ?? "", group == 0 ? null : group);
        }
        catch (ArgumentException)
        {
            await console.Error.WriteLineAsync("Error: the secret key must be one line of printable characters; nothing was changed.");
            return ExitCodes.Usage;
        }
        await console.Out.WriteLineAsync("Secret key for exports set; restart the export manager to use it (sudo systemctl restart d3kos-export-manager).");
        return ExitCodes.Ok;
    }

    private static string ReadHidden()
    {
        var typed = new System.Text.StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace && typed.Length > 0)
            {
                typed.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }
        Console.WriteLine();
        return typed.ToString();
    }

    private async Task<int> KeyStatusAsync()
    {
        await console.Out.WriteLineAsync(passphrase.IsSet ? "A passphrase is set." : "No passphrase is set: encrypted copies cannot be made or opened (d3kos-backup key set).");
        return ExitCodes.Ok;
    }

    private async Task<int> PairAsync(string helm)
    {
        if (!Uri.TryCreate(helm, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            await console.Error.WriteLineAsync($"Error: {helm} is not an http:// or https:// address of the helm.");
            return ExitCodes.Usage;
        }
        if (!sessions.TokenConfigured)
        {
            await console.Error.WriteLineAsync("Error: no access token is configured on this Pi (deploy/install.sh makes one), so nobody can be signed in.");
            return ExitCodes.Configuration;
        }
        var (code, expires) = sessions.NewPairingCode();
        var link = address.GetLeftPart(UriPartial.Authority) + PairingLink.PathFor(code);
        await console.Out.WriteLineAsync($"Open this link on the phone or tablet before {expires.ToLocalTime():HH:mm}; it works once:");
        await console.Out.WriteLineAsync($"  {link}");
        return ExitCodes.Ok;
    }

    private async Task<int> UsageErrorAsync()
    {
        await console.Error.WriteLineAsync(Usage);
        return ExitCodes.Usage;
    }

    private static bool IsPath(string file) => file.Contains('/', StringComparison.Ordinal);

    private bool InBackupsFolder(string file) =>
        Path.GetDirectoryName(Path.GetFullPath(file)) == backups.Paths.BackupsFolder;

    private static string NameOf(string file) => Path.GetFileName(file);

    /// <summary>Progress on a terminal only: a log or a pipe gets the plain lines.</summary>
    private BackupProgress? Progress(string label) =>
        console.ErrorIsTerminal
            ? new BackupProgress(progress => console.Error.Write(progress.Total > 0
                ? $"\r{label}: {HumanSize.Format(progress.Done)} of {HumanSize.Format(progress.Total)}   "
                : $"\r{label}: {progress.Phase}...\u001b[K"))
            : null;

    private void ClearProgress()
    {
        if (console.ErrorIsTerminal)
        {
            console.Error.Write("\r\u001b[K");
        }
    }
}
