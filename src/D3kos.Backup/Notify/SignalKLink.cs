using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>How the link to Signal K stands, as the page and `status` show it.</summary>
/// <param name="State">"off", "not_reachable", "waiting_for_approval", "denied" or "connected".</param>
/// <param name="Sentence">The same in a skipper's words, with what to do when something is.</param>
public sealed record SignalKState(string State, string Sentence);

/// <summary>
/// Talks to Signal K as a device, the way the server expects: with security on it asks once for access
/// (POST /signalk/v1/access/requests), waits while the owner approves it in Signal K's admin page, and keeps
/// the token 0600 outside every backup (<see cref="NotifySecrets"/>); a token the server refuses is dropped
/// and access asked for again. Then it makes the server's notifications.d3kos.* match the conditions: each
/// sync reads them back and sends only what differs, so a condition is raised once, set back to normal
/// once, and raised again after Signal K restarts (it forgets its notifications) without repeats meanwhile.
/// </summary>
public sealed partial class SignalKLink(
    IOptions<NotifyOptions> options,
    NotifySecrets secrets,
    NotifyHttp httpClients,
    TimeProvider time,
    ILogger<SignalKLink> logger)
{
    /// <summary>How long a denied request stands before d3kOS asks again.</summary>
    public static readonly TimeSpan AskAgainAfterDenial = TimeSpan.FromHours(1);

    public const string Description = "d3kOS backups: alarms for failed backups and copies";

    private readonly SignalKAccessFile _access = new(secrets);
    private volatile SignalKState? _state;

    private SignalKOptions Settings => options.Value.SignalK;

    private string StateFile => secrets.FileOf("signalk-state.json");

    /// <summary>The state of this process's last sync or, before one (the CLI), the backup API's as it wrote it down.</summary>
    public SignalKState State => !Settings.Enabled
        ? new SignalKState("off", "Signal K is not told of problems (Notify:SignalK:Enabled is false).")
        : _state ?? StatusFile.Read(StateFile, BackupJsonContext.Default.SignalKState)
            ?? new SignalKState("not_reachable", "Signal K has not been reached yet: the backup API tries within a minute of its start.");

    /// <summary>Connects (asking for access when needed) and makes the server's d3kOS notifications match <paramref name="conditions"/>.</summary>
    public async Task<SignalKState> SyncAsync(IReadOnlyList<Condition> conditions, CancellationToken cancellationToken)
    {
        if (!Settings.Enabled)
        {
            return State;
        }
        var server = new Uri(Settings.Url.TrimEnd('/') + "/");
        var client = new SignalKClient(httpClients.Client, server);
        try
        {
            if (await ConnectAsync(client, cancellationToken).ConfigureAwait(false) is { State: not "connected" } waiting)
            {
                return Set(waiting);
            }
            if (!await client.HasNotificationsApiAsync(cancellationToken).ConfigureAwait(false))
            {
                return Set(new SignalKState("not_reachable", $"The Signal K server at {Settings.Url} has no notifications API (v2): update Signal K to version 2.15 or later."));
            }
            await MatchAsync(client, conditions, cancellationToken).ConfigureAwait(false);
            return Set(new SignalKState("connected", $"Connected to Signal K at {Settings.Url}."));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Set(new SignalKState("not_reachable", $"Signal K not reachable at {Settings.Url}: {(ex is TaskCanceledException ? "it did not answer in time." : ex.Message)} The alarms are kept and sent when it is back."));
        }
    }

    private async Task<SignalKState> ConnectAsync(SignalKClient client, CancellationToken cancellationToken)
    {
        if (!await client.SecurityOnAsync(cancellationToken).ConfigureAwait(false))
        {
            return new SignalKState("connected", "");
        }
        var refused = false;
        if (secrets.Read(NotifySecrets.SignalKToken) is { } token)
        {
            client.Token = token;
            if (await client.TokenAcceptedAsync(cancellationToken).ConfigureAwait(false))
            {
                return new SignalKState("connected", "");
            }
            // The owner removed the device, or Signal K's security was reset: ask again, and say so.
            Log.TokenRefused(logger, Settings.Url);
            secrets.Delete(NotifySecrets.SignalKToken);
            client.Token = null;
            _access.Write(_access.Read() with { RequestHref = null });
            refused = true;
        }
        var access = _access.Read();
        if (access.DeniedAt is { } denied && time.GetUtcNow() - denied < AskAgainAfterDenial)
        {
            return new SignalKState("denied", $"Signal K at {Settings.Url} denied access to d3kOS: approve '{Description}' in Signal K's admin page (Security, Access Requests); d3kOS asks again within the hour.");
        }
        var answer = access.RequestHref is { } href ? await client.LookAtRequestAsync(href, cancellationToken).ConfigureAwait(false) : null;
        if (answer is null)
        {
            answer = await client.RequestAccessAsync(access.ClientId, Description, cancellationToken).ConfigureAwait(false);
            access = access with { RequestHref = answer.Href ?? access.RequestHref, DeniedAt = null };
            _access.Write(access);
            Log.AccessRequested(logger, Settings.Url);
        }
        if (answer is { State: "COMPLETED", Permission: "APPROVED", Token: { Length: > 0 } approved })
        {
            secrets.Set(NotifySecrets.SignalKToken, approved);
            _access.Write(access with { RequestHref = null });
            client.Token = approved;
            Log.AccessApproved(logger, Settings.Url);
            return new SignalKState("connected", "");
        }
        if (answer is { State: "COMPLETED" })
        {
            _access.Write(access with { RequestHref = null, DeniedAt = time.GetUtcNow() });
            return new SignalKState("denied", $"Signal K at {Settings.Url} denied access to d3kOS: d3kOS asks again within the hour; approve '{Description}' then in Signal K's admin page (Security, Access Requests).");
        }
        return new SignalKState("waiting_for_approval", (refused ? "Signal K no longer accepted d3kOS's token, so d3kOS asked for access again. " : "")
            + $"Waiting for approval in Signal K: open Signal K's admin page at {Settings.Url}, Security, Access Requests, and approve '{Description}' with read/write.");
    }

    /// <summary>Raises what is missing or different, clears what no longer holds; what already matches is not sent again.</summary>
    private static async Task MatchAsync(SignalKClient client, IReadOnlyList<Condition> conditions, CancellationToken cancellationToken)
    {
        var held = await client.ReadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var condition in conditions)
        {
            held.TryGetValue(condition.Id, out var there);
            if (there is not null && there.State == condition.Severity && there.Message == condition.Text)
            {
                continue;
            }
            if (there?.Id is not { } id || !await client.UpdateAsync(id, condition, cancellationToken).ConfigureAwait(false))
            {
                await client.RaiseAsync(condition, cancellationToken).ConfigureAwait(false);
            }
        }
        var active = conditions.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var ended in held.Values.Where(n => !active.Contains(n.Path) && n.State != "normal" && n.Id is not null))
        {
            await client.ClearAsync(ended.Id!, cancellationToken).ConfigureAwait(false);
        }
    }

    private SignalKState Set(SignalKState state)
    {
        if (state != _state)
        {
            Log.StateChanged(logger, state.Sentence);
            secrets.EnsureFolder();
            StatusFile.Write(StateFile, state, BackupJsonContext.Default.SignalKState, logger);
        }
        _state = state;
        return state;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 340, Level = LogLevel.Information, Message = "Signal K: {Sentence}")]
        public static partial void StateChanged(ILogger logger, string sentence);

        [LoggerMessage(EventId = 341, Level = LogLevel.Warning, Message = "Signal K at {Url} refused the stored token; asking for access again")]
        public static partial void TokenRefused(ILogger logger, string url);

        [LoggerMessage(EventId = 342, Level = LogLevel.Information, Message = "Asked Signal K at {Url} for access; the owner approves it in Signal K's admin page")]
        public static partial void AccessRequested(ILogger logger, string url);

        [LoggerMessage(EventId = 343, Level = LogLevel.Information, Message = "Signal K at {Url} approved d3kOS's access request")]
        public static partial void AccessApproved(ILogger logger, string url);
    }
}
