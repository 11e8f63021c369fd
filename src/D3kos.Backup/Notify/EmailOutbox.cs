using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>A message waiting for the mail server.</summary>
/// <param name="Key">Stable: its Message-Id, so a copy sent twice (a power cut between the server's yes and the outbox's write) is recognisable.</param>
public sealed record OutgoingEmail(string Key, string Subject, string Body, DateTimeOffset Created, int Attempts, string? LastError);

/// <summary>A condition as it was announced by email, to know later that it began and, when it is gone, that it ended.</summary>
public sealed record AnnouncedCondition(string Id, string Severity, string Message, DateTimeOffset Since);

/// <summary>The outbox file: what was announced and what waits to be sent.</summary>
public sealed record OutboxState(List<AnnouncedCondition> Announced, List<OutgoingEmail> Waiting, DateTimeOffset? LastSent, string? LastError);

/// <summary>
/// The durable email outbox (/var/lib/d3kos/notify/email-outbox.json, written atomically and flushed): a
/// message is put in it when a condition begins and when it ends, in the same write that records the
/// change, so each goes once however long the boat is offline, and a restart neither loses nor repeats one.
/// </summary>
public sealed class EmailOutbox(NotifySecrets secrets, TimeProvider time)
{
    /// <summary>
    /// At most this many wait: a condition that comes and goes all season while the boat is offline must not
    /// fill the card or bury the owner; the oldest go first, and the newest say how things stand now.
    /// </summary>
    public const int MaxWaiting = 100;

    private readonly Lock _lock = new();

    private string FilePath => secrets.FileOf("email-outbox.json");

    public OutboxState Read()
    {
        lock (_lock)
        {
            return StatusFile.Read(FilePath, BackupJsonContext.Default.OutboxState) is { } state
                ? state with { Announced = state.Announced ?? [], Waiting = state.Waiting ?? [] }
                : new OutboxState([], [], null, null);
        }
    }

    /// <summary>Puts a message in for each condition that began or ended since the last call; writes nothing when none did.</summary>
    /// <returns>How many messages were added.</returns>
    public int Record(IReadOnlyList<Condition> conditions, string boatName)
    {
        lock (_lock)
        {
            var state = Read();
            var now = time.GetUtcNow();
            var announced = state.Announced.ToDictionary(a => a.Id, StringComparer.Ordinal);
            var current = conditions.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            var added = new List<OutgoingEmail>();
            foreach (var begun in conditions.Where(c => !announced.ContainsKey(c.Id)))
            {
                added.Add(Message(EmailText.Begun(begun, boatName), now));
            }
            // Information (a restore settled at start) is told once: its end is not news.
            foreach (var ended in state.Announced.Where(a => !current.Contains(a.Id) && a.Severity != Condition.Alert))
            {
                added.Add(Message(EmailText.Ended(ended, boatName, now), now));
            }
            var stillAnnounced = state.Announced.Where(a => current.Contains(a.Id))
                .Concat(conditions.Where(c => !announced.ContainsKey(c.Id)).Select(c => new AnnouncedCondition(c.Id, c.Severity, c.Message, now)))
                .ToList();
            if (added.Count > 0 || stillAnnounced.Count != state.Announced.Count)
            {
                List<OutgoingEmail> waiting = [.. state.Waiting, .. added];
                Write(state with { Announced = stillAnnounced, Waiting = waiting.Count > MaxWaiting ? waiting[^MaxWaiting..] : waiting });
            }
            return added.Count;
        }
    }

    /// <summary>The message went: out of the outbox, durably, before the next one is tried.</summary>
    public void Sent(string key)
    {
        lock (_lock)
        {
            var state = Read();
            Write(state with { Waiting = [.. state.Waiting.Where(m => m.Key != key)], LastSent = time.GetUtcNow(), LastError = null });
        }
    }

    /// <summary>The server refused it for good: out of the outbox, durably, and why is kept for the status.</summary>
    public void Dropped(string key, string reason)
    {
        lock (_lock)
        {
            var state = Read();
            Write(state with { Waiting = [.. state.Waiting.Where(m => m.Key != key)], LastError = reason });
        }
    }

    /// <summary>The server could not take it now: it stays, with why, for the next try.</summary>
    public void Failed(string key, string reason)
    {
        lock (_lock)
        {
            var state = Read();
            Write(state with
            {
                Waiting = [.. state.Waiting.Select(m => m.Key == key ? m with { Attempts = m.Attempts + 1, LastError = reason } : m)],
                LastError = reason,
            });
        }
    }

    private static OutgoingEmail Message((string Subject, string Body) text, DateTimeOffset now) =>
        new($"{Guid.NewGuid():N}", text.Subject, text.Body, now, 0, null);

    private void Write(OutboxState state)
    {
        secrets.EnsureFolder();
        AtomicFile.WriteJson(FilePath, state, BackupJsonContext.Default.OutboxState);
    }
}
