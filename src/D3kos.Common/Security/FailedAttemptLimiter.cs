using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>
/// Slows down token guessing: an address with too many failed attempts in the window gets 429
/// until the window has passed. Memory is bounded: old windows are dropped as the table grows.
/// </summary>
public sealed class FailedAttemptLimiter(IOptions<AuthOptions> options, TimeProvider time)
{
    private const int MaxTrackedAddresses = 10_000;
    private readonly Dictionary<string, (int Count, DateTimeOffset Since)> _failures = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>
    /// One attempt from <paramref name="address"/>: refused while the address is over its limit, else the
    /// credential is checked and a failure counted, all under one lock. Checked and counted apart, parallel
    /// guesses would all pass the check before any was counted and get far more than the limit. The check
    /// is a hash comparison, so the lock is held for microseconds.
    /// </summary>
    /// <returns>Null when <paramref name="matches"/> said yes; how long to wait when the address is over its limit; zero for a counted failure.</returns>
    public TimeSpan? Attempt(string address, Func<bool> matches)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_failures.TryGetValue(address, out var entry) && now - entry.Since >= options.Value.FailureWindow)
            {
                _failures.Remove(address);
                entry = default;
            }
            if (entry.Count >= options.Value.MaxFailures)
            {
                return entry.Since + options.Value.FailureWindow - now;
            }
            if (matches())
            {
                return null;
            }
            if (_failures.Count >= MaxTrackedAddresses)
            {
                foreach (var stale in _failures.Where(f => now - f.Value.Since >= options.Value.FailureWindow).Select(f => f.Key).ToList())
                {
                    _failures.Remove(stale);
                }
            }
            _failures[address] = entry.Count == 0 ? (1, now) : (entry.Count + 1, entry.Since);
            return TimeSpan.Zero;
        }
    }
}
