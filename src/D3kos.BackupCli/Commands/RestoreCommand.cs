using System.CommandLine;
using D3kos.Backup;

namespace D3kos.BackupCli;

internal static class RestoreCommand
{
    public static Command Build(CliConsole console)
    {
        var file = Arguments.Word(new Argument<string?>("FILE")
        {
            Description = "The backup's name as 'list' shows it; without it, the backups are listed.",
            Arity = ArgumentArity.ZeroOrOne,
        });
        var yes = new Option<bool>("--yes") { Description = "Do not ask; needed where there is no terminal to confirm on." };
        var replaceId = new Option<bool>("--replace-id") { Description = "Take the backup's installation id instead of keeping this Pi's own." };
        var acceptNoChecksums = new Option<bool>("--accept-no-checksums")
        {
            Description = "Restore a legacy backup of d3kOS v0.9.1.2, which has no per-file checksums (with --yes).",
        };
        return new Command("restore", "Put the boat's configuration and data back as a backup holds them (the present state is then kept in a safety backup).")
        {
            file, yes, replaceId, acceptNoChecksums,
        }.Runs(console, context => context.Value(file) is { } chosen
            ? RunAsync(context, chosen, context.Value(yes), context.Value(replaceId), context.Value(acceptNoChecksums))
            : ListCommand.RunAsync(context),
            recoverFirst: true, stopped: "the restore was cancelled: before the swap nothing live was touched and its staging was removed; after it, the previous state stays set aside and the next start keeps it in a safety backup.");
    }

    private static async Task<int> RunAsync(CommandContext context, string file, bool yes, bool replaceId, bool acceptNoChecksums)
    {
        var backups = context.Services.Backups;
        var name = BackupFile.Held(file, backups.Paths, $"{file} is not in {backups.Paths.BackupsFolder}: run 'd3kos-backup import {file}' first.");
        if (!yes)
        {
            var legacy = backups.IsLegacy(name);
            if (!await ConfirmAsync(context, name, legacy))
            {
                return ExitCodes.Usage;
            }
            acceptNoChecksums = legacy;
        }
        var result = backups.Restore(name, replaceId, context.Progress("Restoring"), acceptNoChecksums, context.Cancellation);
        context.ClearProgress();
        await context.Say($"Restored {result.FilesRestored} files from {result.BackupFile}; the services are back.");
        await context.Say(FormattableString.Invariant(
            $"Services were down for {result.DowntimeMs / 1000.0:0.000} s; the restore answered after {result.DurationMs / 1000.0:0.000} s"));
        foreach (var warning in result.Warnings)
        {
            await context.Say($"Warning: {warning}");
        }
        // The old state is kept before the command ends (Ctrl+C here leaves it aside for the next start).
        await context.Say($"Keeping the previous state in the safety backup {result.SafetyBackup}...");
        var keeping = System.Diagnostics.Stopwatch.StartNew();
        await result.Keeping.Completion.WaitAsync(context.Cancellation);
        context.ClearProgress();
        await context.Say(FormattableString.Invariant(
            $"Safety backup {result.SafetyBackup} written in {keeping.Elapsed.TotalSeconds:0.000} s; the previous copy was removed"));
        return ExitCodes.Ok;
    }

    /// <summary>Asks on the terminal; a legacy backup is confirmed with a phrase that says what is missing.</summary>
    private static async Task<bool> ConfirmAsync(CommandContext context, string name, bool legacy)
    {
        var console = context.Console;
        if (!console.InputIsTerminal)
        {
            throw new UsageException("Refusing to restore without --yes when there is no terminal to confirm on.");
        }
        var phrase = legacy ? "restore without checksums" : "yes";
        var warning = legacy
            ? $"{name} is a legacy backup from d3kOS v0.9.1.2: it has no per-file checksums, so damage inside a file cannot be detected. "
            : "";
        await console.Out.WriteAsync($"{warning}Restoring {name} replaces the boat's configuration and data (the present state is kept in a safety backup). Type {phrase} to continue: ");
        if (string.Equals((await console.In.ReadLineAsync(context.Cancellation))?.Trim(), phrase, StringComparison.Ordinal))
        {
            return true;
        }
        await context.Say("Restore cancelled; nothing was changed.");
        return false;
    }
}
