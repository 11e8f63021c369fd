using System.CommandLine;

namespace D3kos.BackupCli;

internal static class Arguments
{
    /// <summary>
    /// Refuses a value that looks like an option: the parser hands an unknown '--yse' to the argument, and
    /// 'restore --yse' must say the option is unknown, not look for a backup named '--yse'.
    /// </summary>
    public static Argument<T> Word<T>(Argument<T> argument)
    {
        argument.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault(t => t.Value.StartsWith('-')) is { } token)
            {
                result.AddError($"Unknown option '{token.Value}'.");
            }
        });
        return argument;
    }
}
