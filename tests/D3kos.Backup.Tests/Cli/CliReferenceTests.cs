using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using D3kos.Testing;

namespace D3kos.Backup.Tests;

/// <summary>
/// The CLI reference in docs/cli.md is the CLI's own help, so the two never disagree. After changing a
/// command, write it anew with: D3KOS_UPDATE_DOCS=1 dotnet test tests/D3kos.Backup.Tests --filter CliReference
/// </summary>
public sealed partial class CliReferenceTests
{
    private const string Start = "<!-- cli-reference:start -->";
    private const string End = "<!-- cli-reference:end -->";

    [Fact]
    public void Docs_cli_md_holds_the_help_of_every_command()
    {
        var doc = Path.Combine(Loopback.Repository(), "docs", "cli.md");
        var text = File.ReadAllText(doc);
        var (from, to) = (text.IndexOf(Start, StringComparison.Ordinal), text.IndexOf(End, StringComparison.Ordinal));
        Assert.True(from >= 0 && to > from, $"{doc} has no {Start} ... {End} block");
        var written = text[(from + Start.Length)..to];
        var generated = "\n" + Reference() + "\n";
        if (Environment.GetEnvironmentVariable("D3KOS_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(doc, text[..(from + Start.Length)] + generated + text[to..]);
            return;
        }
        Assert.True(written == generated,
            "docs/cli.md is not the CLI's help: write it anew with D3KOS_UPDATE_DOCS=1 dotnet test tests/D3kos.Backup.Tests --filter CliReference");
    }

    [Fact]
    public void Help_is_there_every_usual_way_and_exits_0()
    {
        var top = Help([]);
        foreach (var way in new[] { new[] { "-h" }, ["help"], ["--help"], ["-?"] })
        {
            Assert.Equal(top, Help(way));
        }
        Assert.Contains("Exit codes:", top, StringComparison.Ordinal);
        Assert.Equal(Help(["restore", "--help"]), Help(["help", "restore"]));
    }

    /// <summary>The top-level help, then each command's and each subcommand's, found from the "Commands:" lists.</summary>
    private static string Reference()
    {
        var text = new StringBuilder();
        var pending = new Queue<string[]>([[]]);
        while (pending.TryDequeue(out var command))
        {
            var help = Help([.. command, "--help"]);
            text.Append(FormattableString.Invariant($"\n### `d3kos-backup{string.Concat(command.Select(c => " " + c))}`\n\n```text\n{help.TrimEnd()}\n```\n"));
            var listed = help.Split("Commands:", 2) is [_, var list] ? list.Split("\n\n")[0] : "";
            foreach (Match line in CommandLine().Matches(listed))
            {
                if (line.Groups[1].Value != "help")
                {
                    pending.Enqueue([.. command, line.Groups[1].Value]);
                }
            }
        }
        return text.ToString().Trim();
    }

    private static string Help(string[] args)
    {
        using var process = CliProcess.Start(new Dictionary<string, string>(), args);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.True(process.ExitCode == 0, $"d3kos-backup {string.Join(' ', args)} exited {process.ExitCode}: {error}");
        return output.Result;
    }

    [GeneratedRegex(@"^  ([a-z][a-z-]*)\b", RegexOptions.Multiline)]
    private static partial Regex CommandLine();
}
