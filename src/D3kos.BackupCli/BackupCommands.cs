using System.Globalization;
using D3kos.Backup;

namespace D3kos.BackupCli;

/// <summary>d3kos-backup create | list | verify FILE | restore [FILE] [--yes] [--replace-id] | import FILE | delete FILE.</summary>
internal sealed class BackupCommands(BackupManager backups, CliConsole console)
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
          import FILE                             take a backup made on another device (e.g. from a USB stick)
          delete FILE                             delete a backup
        FILE is a backup name (d3kos_backup_YYYYMMDD_HHMMSS.tar.gz) or a path to one.
        Exit codes: 0 done, 1 failed, 2 usage or refused, 3 another backup or restore is running,
                    4 the archive is invalid or unsafe, 5 not enough disk space, 6 no such backup or file,
                    7 a setting (Backup__*, D3KOS_FS_ROOT) is invalid, 8 permission denied.
        """;

    public async Task<int> RunAsync(string[] args)
    {
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
            ("delete", 2) => await DeleteAsync(words[1]),
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
        var result = backups.Restore(name, replaceId, Progress("Safety backup"), acceptNoChecksums);
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
        await using var stream = File.OpenRead(file);
        var info = await backups.ImportAsync(stream, CancellationToken.None);
        await console.Out.WriteLineAsync($"Imported as {info.Filename} ({HumanSize.Format(info.SizeBytes)})");
        return ExitCodes.Ok;
    }

    private async Task<int> DeleteAsync(string file)
    {
        backups.Delete(NameOf(file));
        await console.Out.WriteLineAsync($"Deleted {NameOf(file)}");
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
    private Progress<long>? Progress(string label) =>
        console.ErrorIsTerminal ? new Progress<long>(bytes => console.Error.Write($"\r{label}: {HumanSize.Format(bytes)}   ")) : null;

    private void ClearProgress()
    {
        if (console.ErrorIsTerminal)
        {
            console.Error.Write("\r\u001b[K");
        }
    }
}
