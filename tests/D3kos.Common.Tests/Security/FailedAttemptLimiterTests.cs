using D3kos.Common.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace D3kos.Common.Tests;

public sealed class FailedAttemptLimiterTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-07-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly FailedAttemptLimiter _limiter;

    public FailedAttemptLimiterTests() =>
        _limiter = new FailedAttemptLimiter(Options.Create(new AuthOptions { MaxFailures = 3, FailureWindow = TimeSpan.FromMinutes(5) }), _time);

    [Fact]
    public void An_address_over_its_limit_is_refused_even_the_right_token_until_the_window_has_passed()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TimeSpan.Zero, _limiter.Attempt("192.168.4.23", () => false));
        }
        var checkedAgain = false;
        Assert.Equal(TimeSpan.FromMinutes(5), _limiter.Attempt("192.168.4.23", () => checkedAgain = true));
        Assert.False(checkedAgain);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(_limiter.Attempt("192.168.4.23", () => true));
    }

    [Fact]
    public void One_address_locked_out_does_not_lock_out_another()
    {
        for (var i = 0; i < 3; i++)
        {
            _limiter.Attempt("192.168.4.23", () => false);
        }

        Assert.Null(_limiter.Attempt("192.168.4.24", () => true));
    }

    [Fact]
    public void Parallel_guesses_are_counted_one_by_one_so_no_more_than_the_limit_are_checked()
    {
        var checks = 0;
        Parallel.For(0, 200, _ => _limiter.Attempt("192.168.4.23", () =>
        {
            Interlocked.Increment(ref checks);
            return false;
        }));

        Assert.Equal(3, checks);
    }
}
