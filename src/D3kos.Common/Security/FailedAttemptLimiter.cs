using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>
/// Slows down token guessing: an address with too many failed attempts in the window gets 429
/// until the window has passed. Memory is bounded: old windows are dropped as the table grows.
/// </summary>
public sealed class FailedAttemptLimiter(IOptions<AuthOptions> options, TimeProvider time)
{
    private const int MaxTrackedAddresses = 10_000;
    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Since)> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the address must wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(string address)
    {
        if (!_failures.TryGetValue(address, out var entry))
        {
            return null;
        }
        var ends = entry.Since + options.Value.FailureWindow;
        var now = time.GetUtcNow();
        if (now >= ends)
        {
            _failures.TryRemove(address, out _);
            return null;
        }
        return entry.Count >= options.Value.MaxFailures ? ends - now : null;
    }

    public void RecordFailure(string address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxTrackedAddresses)
        {
            foreach (var stale in _failures.Where(f => now - f.Value.Since >= options.Value.FailureWindow).Select(f => f.Key).ToList())
            {
                _failures.TryRemove(stale, out _);
            }
        }
        _failures.AddOrUpdate(address, (1, now), (_, old) =>
            now - old.Since >= options.Value.FailureWindow ? (1, now) : (old.Count + 1, old.Since));
    }
}
