using System.Security.Cryptography;
using System.Text;

namespace D3kos.Common.Security;

/// <summary>
/// The form of a session's secrets and of the names they are kept under (<see cref="OwnerSessions"/>):
/// what is accepted as a cookie, key or code before anything is looked up, and how it is hashed and compared.
/// </summary>
internal static class SessionSecrets
{
    /// <summary>Hashes compared in constant time: how long a refusal takes says nothing of how near a guess came.</summary>
    internal static bool Same(string stored, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(expected));

    /// <summary>Session and pairing files are named by a SHA-256 in hex, nothing else (temporary files start with a dot).</summary>
    internal static bool IsStoredName(string path)
    {
        var name = Path.GetFileName(path);
        return name.Length == 64 && name.All(char.IsAsciiHexDigitLower);
    }

    /// <summary>
    /// Base64url of 32 bytes (cookie, page key) or 16 (pairing code): the only values ever looked up, so a
    /// path can never be built from anything else.
    /// </summary>
    internal static bool IsSecret(string value) => value.Length == 43 && IsBase64Url(value);

    internal static bool IsCode(string value) => value.Length == 22 && IsBase64Url(value);

    internal static bool IsBase64Url(string value) => value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    internal static string HashHex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(value)));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
