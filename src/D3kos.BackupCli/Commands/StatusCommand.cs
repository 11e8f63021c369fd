using System.CommandLine;
using System.Globalization;

namespace D3kos.BackupCli;

internal static class StatusCommand
{
    public static Command Build(CliConsole console) =>
        new Command("status", "Automatic backups (last run, next run) and every target's last copy.").Runs(console, RunAsync);

    private static async Task<int> RunAsync(CommandContext context)
    {
        var status = await context.Services.Automatic.StatusAsync(context.Cancellation);
        var problems = context.Services.Conditions.Current(context.Cancellation);
        await context.Say(problems.Count == 0 ? "Problems: none." : $"Problems ({problems.Count}):");
        foreach (var problem in problems)
        {
            await context.Say($"  {problem.Severity.ToUpperInvariant()} {problem.Id}: {problem.Message}");
            await context.Say($"    What to do: {problem.WhatToDo}");
        }
        var schedule = status.Schedule;
        await context.Say(schedule.Enabled
            ? $"Automatic backups: on, '{schedule.Calendar}' ({schedule.TimeZone}); next run: {Time(schedule.NextRun) ?? "planned when the backup API starts"}{(schedule.Running ? "; a run is going on now" : "")}"
            : "Automatic backups: off (Backup__Schedule__Enabled=false)");
        if (schedule.LastRun is { } run)
        {
            await context.Say(string.Create(CultureInfo.InvariantCulture,
                $"Last run: {Time(run.Started)}, {run.Result}{(run.BackupFile is null ? "" : $", {run.BackupFile} ({HumanSize.Format(run.SizeBytes)})")}, {run.DurationMs / 1000.0:0.0} s"));
            foreach (var line in new[] { run.Note, run.Error }.OfType<string>())
            {
                await context.Say($"  {line}");
            }
        }
        if (context.Services.Backups.OldState() is { } old)
        {
            await context.Say(old.State switch
            {
                "writing" => $"Restore of {old.RestoredFrom}: the previous state is being kept in the safety backup {old.SafetyBackup}"
                    + (old.Total > 0 ? $" ({HumanSize.Format(old.Done)} of {HumanSize.Format(old.Total)})" : ""),
                "waiting" => $"Restore of {old.RestoredFrom}: the previous state is set aside; the next start of the backup API keeps it in {old.SafetyBackup}",
                _ => $"Restore of {old.RestoredFrom}: {old.Error}",
            });
        }
        await context.Say($"Signal K: {context.Services.SignalK.State.Sentence}");
        var email = context.Services.Email.State();
        await context.Say(!email.Enabled ? "Email: not set up (Notify:Email:Host, From and To)."
            : $"Email to {string.Join(", ", email.To)}: {(email.Waiting == 0 ? "nothing waiting" : $"{email.Waiting} waiting in the outbox")}"
              + (email.LastError is { } lastError ? $"; last try: {lastError}" : "") + (email.LastSent is { } sent ? $"; last sent {Time(sent)}" : ""));
        await context.Say($"Passphrase for encrypted copies: {(status.PassphraseSet ? "set" : "not set (d3kos-backup key set)")}");
        foreach (var t in status.Targets)
        {
            await context.Say($"Target {t.Name}: {t.Kind} at {t.Path}, {(t.Encrypt ? "encrypted" : "NOT encrypted")}, keeps {t.Keep}"
                + (t.Unavailable is not null ? $"; now: {t.Unavailable}" : t.Copies is { } copies ? $", {copies.Count} copies there" : ""));
            if (t.LastCopy is { } copy)
            {
                await context.Say(copy.Succeeded
                    ? $"  last copy: {Time(copy.Time)}, {copy.CopyFile} ({HumanSize.Format(copy.SizeBytes)})"
                    : $"  last copy FAILED: {Time(copy.Time)}, {copy.BackupFile}: {copy.Error}");
            }
        }
        return ExitCodes.Ok;
    }

    private static string? Time(DateTimeOffset? time) =>
        time?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
}
