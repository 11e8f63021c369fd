namespace D3kos.BackupCli;

/// <summary>Where the CLI talks; tests hand in their own writers and say whether a terminal is present.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, bool InputIsTerminal, bool ErrorIsTerminal, bool OutIsTerminal)
{
    public static CliConsole FromProcess() =>
        new(Console.Out, Console.Error, Console.In, !Console.IsInputRedirected, !Console.IsErrorRedirected, !Console.IsOutputRedirected);
}
