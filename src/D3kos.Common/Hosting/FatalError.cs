using System.Text.RegularExpressions;
using D3kos.Common.Files;
using Microsoft.Extensions.Options;

namespace D3kos.Common.Hosting;

/// <summary>What kind of failure stopped a program, for its exit code.</summary>
public enum FatalErrorKind
{
    Configuration,
    NotFound,
    PermissionDenied,
    DiskFull,
    Failed,
}

/// <summary>
/// Turns whatever stopped a program (the CLI, or a service before it could serve) into one sentence a
/// boat owner can act on, without a stack trace: a setting that does not parse names its key, a missing
/// or unreadable file names its path. The services and the CLI share it so the same fault reads the same.
/// </summary>
public sealed partial record FatalError(FatalErrorKind Kind, string Sentence)
{
    public static FatalError Describe(Exception exception) => exception switch
    {
        ConfigurationRefusedException refused => new(FatalErrorKind.Configuration, refused.Message),
        OptionsValidationException invalid => new(FatalErrorKind.Configuration, "Invalid setting: " + string.Join("; ", invalid.Failures.Select(NamingTheKey))),
        InvalidOperationException { Message: var message } when BindingFailure().Match(message) is { Success: true } match =>
            new(FatalErrorKind.Configuration, $"Invalid setting {match.Groups["key"].Value}: '{match.Groups["value"].Value}' is not {Expected(match.Groups["type"].Value)}."),
        // Microsoft.Extensions.Configuration.Json's wording: "Failed to load configuration from file '…'." with the parser's reason inside.
        InvalidDataException { Message: var message } when message.StartsWith("Failed to load configuration from file", StringComparison.Ordinal) =>
            new(FatalErrorKind.Configuration, $"The settings file {QuotedPath().Match(message).Groups[1].Value} cannot be read: {(exception.InnerException?.Message ?? "it is not a JSON object").TrimEnd('.')}."),
        FileNotFoundException { FileName: { } file } => new(FatalErrorKind.NotFound, $"No such file: {file}."),
        DirectoryNotFoundException { Message: var message } => new(FatalErrorKind.NotFound,
            QuotedPath().Match(message) is { Success: true } path ? $"No such file or folder: {path.Groups[1].Value}." : message),
        UnauthorizedAccessException denied => new(FatalErrorKind.PermissionDenied, denied.Message + " (run as root, or as the owner of the file)."),
        IOException when AtomicFile.IsDiskFull(exception) => new(FatalErrorKind.DiskFull, "The disk is full: " + exception.Message),
        IOException io => new(FatalErrorKind.Failed, io.Message),
        AggregateException { InnerExceptions: [var only] } => Describe(only),
        _ when exception.InnerException is { } inner && exception is System.Reflection.TargetInvocationException => Describe(inner),
        _ => new(FatalErrorKind.Failed, $"Unexpected error ({exception.GetType().Name}): {exception.Message}"),
    };

    private static string Expected(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a time span such as 00:05:00",
        "System.Double" => "a number",
        "System.Uri" => "an address",
        _ => "a valid " + type.Replace("System.", "", StringComparison.Ordinal),
    };

    /// <summary>
    /// The generated options validators name a property ("MaxAttempts: The field ExportOptions.MaxAttempts must
    /// be between 1 and 100."); the owner sets a key (Export:MaxAttempts, Export__MaxAttempts). Each options type
    /// is named for its section plus "Options", so the key is put in its place. A failure that already starts
    /// with its key ("Url: Central:Url must be …") only loses the property prefix.
    /// </summary>
    private static string NamingTheKey(string failure)
    {
        if (GeneratedFailure().Match(failure) is { Success: true } generated)
        {
            return $"{generated.Groups["section"].Value}:{generated.Groups["member"].Value} {generated.Groups["rule"].Value}";
        }
        return KeyedFailure().Match(failure) is { Success: true } keyed ? keyed.Groups["rest"].Value : failure;
    }

    [GeneratedRegex(@"^\w+: The field (?<section>\w+)Options\.(?<member>\w+) (?<rule>.*)$", RegexOptions.Singleline)]
    private static partial Regex GeneratedFailure();

    [GeneratedRegex(@"^(?<member>\w+): (?<rest>\w+:\k<member>\b.*)$", RegexOptions.Singleline)]
    private static partial Regex KeyedFailure();

    // .NET's wording: "Could not find a part of the path '/no/such.tar.gz'."
    [GeneratedRegex("'(.*)'", RegexOptions.Singleline)]
    private static partial Regex QuotedPath();

    // Microsoft.Extensions.Configuration.Binder's wording: "Failed to convert configuration value 'abc' at 'Backup:Keep' to type 'System.Int32'."
    [GeneratedRegex("^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex BindingFailure();
}
