using System.Diagnostics;
using Xunit;

namespace D3kos.Testing;

/// <summary>
/// Waits for something a background part of the program does (a worker, a service starting), polling
/// until it holds; fails naming what did not happen. The one polling loop of the test suites.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(10);

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, within);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var limit = within ?? DefaultLimit;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < limit, $"{what}: not within {limit.TotalSeconds:0} s");
            await Task.Delay(20);
        }
    }
}
