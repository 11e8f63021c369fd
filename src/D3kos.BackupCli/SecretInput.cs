namespace D3kos.BackupCli;

/// <summary>
/// A passphrase or key typed by the owner: without echo on a terminal, else the first line of standard input
/// (a script, or a key pasted through a pipe). It is never an argument, where 'ps' and the history would see it.
/// </summary>
internal static class SecretInput
{
    /// <param name="confirm">Ask twice on a terminal, to catch a typo in what cannot be seen.</param>
    public static async Task<string> ReadAsync(CommandContext context, string prompt, bool confirm = false)
    {
        var console = context.Console;
        if (!console.InputIsTerminal)
        {
            return await console.In.ReadLineAsync(context.Cancellation) ?? "";
        }
        await console.Out.WriteAsync(prompt);
        var first = ReadHidden();
        if (confirm)
        {
            await console.Out.WriteAsync("Again: ");
            if (ReadHidden() != first)
            {
                throw new UsageException("The two entries differ; nothing was changed.");
            }
        }
        return first;
    }

    private static string ReadHidden()
    {
        var typed = new System.Text.StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace && typed.Length > 0)
            {
                typed.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }
        Console.WriteLine();
        return typed.ToString();
    }
}
