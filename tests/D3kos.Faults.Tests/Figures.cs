using System.Text.Json;

namespace D3kos.Faults.Tests;

/// <summary>
/// What a fault test tried and what it lost, appended as one JSON line to
/// $D3KOS_RELIABILITY_OUT (artifacts/reliability.jsonl when run by scripts/test.sh) for RELIABILITY.md.
/// </summary>
internal static class Figures
{
    public static void Record(string test, IReadOnlyDictionary<string, object> figures)
    {
        var target = Environment.GetEnvironmentVariable("D3KOS_RELIABILITY_OUT");
        if (string.IsNullOrEmpty(target))
        {
            return;
        }
        var line = new Dictionary<string, object>(figures) { ["test"] = test, ["aot"] = Binaries.IsAot, ["at"] = DateTimeOffset.UtcNow };
        lock (typeof(Figures))
        {
            File.AppendAllText(target, JsonSerializer.Serialize(line) + "\n");
        }
    }
}
