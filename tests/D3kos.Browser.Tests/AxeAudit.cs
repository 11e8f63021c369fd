using System.Text.Json;
using Deque.AxeCore.Commons;
using OpenQA.Selenium;

namespace D3kos.Browser.Tests;

/// <summary>One rule axe-core found broken in one state of the page, with how many elements break it.</summary>
public sealed record AxeViolation(string State, string Rule, string Impact, int Elements, string Help);

/// <summary>
/// axe-core run inside the real page through Selenium. The script is the one Deque's .NET package carries
/// (Deque.AxeCore.Commons, restored at build time), so nothing is fetched at run time; Selenium injects it
/// as the browser's developer tools would, past the page's Content-Security-Policy, which admits only the Pi's own files.
/// </summary>
public static class AxeAudit
{
    private static readonly Lazy<string> Script = new(() => new BundledAxeScriptProvider().GetScript());

    public static IReadOnlyList<AxeViolation> Run(IWebDriver browser, string state)
    {
        var js = (IJavaScriptExecutor)browser;
        if (!(bool)js.ExecuteScript("return typeof window.axe === 'object';")!)
        {
            js.ExecuteScript(Script.Value);
        }
        var json = (string)js.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then((r) => done(JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact || 'minor', nodes: v.nodes.length, help: v.help })))))
              .catch((e) => done(JSON.stringify({ error: String(e) })));
            """)!;
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            throw new InvalidOperationException($"axe-core failed in state '{state}': {document.RootElement.GetProperty("error").GetString()}");
        }
        return [.. document.RootElement.EnumerateArray().Select(v => new AxeViolation(
            state, v.GetProperty("id").GetString()!, v.GetProperty("impact").GetString()!, v.GetProperty("nodes").GetInt32(), v.GetProperty("help").GetString()!))];
    }

    /// <summary>The figure: violations (rules broken, elements) by impact, per state.</summary>
    public static string Figure(IReadOnlyList<string> states, IReadOnlyList<AxeViolation> found)
    {
        string[] impacts = ["critical", "serious", "moderate", "minor"];
        var lines = new List<string> { $"{"state",-22}{string.Join("", impacts.Select(i => $"{i,12}"))}" };
        foreach (var state in states)
        {
            lines.Add($"{state,-22}{string.Join("", impacts.Select(i => $"{found.Count(v => v.State == state && v.Impact == i),12}"))}");
        }
        lines.AddRange(found.Select(v => $"  {v.State}: {v.Impact} {v.Rule} ({v.Elements} elements): {v.Help}"));
        return string.Join('\n', lines);
    }
}
