using System.Text.Json;

namespace D3kos.ExportManager.Exports;

/// <summary>
/// The one rule for secrets in exports: a member whose name contains key, secret, token, pass
/// (password, passwd, passphrase), pwd, psk, credential, auth, bearer or private (any case, at any
/// depth, inside arrays too) has its value replaced by "[redacted]"; and in every other string, the
/// user:password part of a URL ("https://user:pw@host") is replaced too. The name stays, so the central
/// side sees a setting exists without learning it. Broad on purpose: "keyboard" and "compass" are
/// redacted too, which costs nothing.
/// </summary>
public static partial class SecretRedaction
{
    // scheme://user:password@host: the user-information part of a URL (RFC 3986 3.2.1).
    [System.Text.RegularExpressions.GeneratedRegex(@"://[^/@\s]+@")]
    private static partial System.Text.RegularExpressions.Regex UrlCredentials();

    public const string Marker = "[redacted]";

    private static readonly string[] SecretWords = ["key", "secret", "token", "pass", "pwd", "psk", "credential", "auth", "bearer", "private"];

    public static bool IsSecretName(string name) =>
        SecretWords.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>Writes the element with every secret-named member's value replaced, at every depth.</summary>
    public static void WriteRedacted(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var member in element.EnumerateObject())
                {
                    writer.WritePropertyName(member.Name);
                    if (IsSecretName(member.Name))
                    {
                        writer.WriteStringValue(Marker);
                    }
                    else
                    {
                        WriteRedacted(member.Value, writer);
                    }
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteRedacted(item, writer);
                }
                writer.WriteEndArray();
                break;
            case JsonValueKind.String when element.GetString() is { } text && UrlCredentials().IsMatch(text):
                writer.WriteStringValue(UrlCredentials().Replace(text, "://" + Marker + "@"));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
