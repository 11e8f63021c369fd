using System.Security.Cryptography;
using System.Text;
using D3kos.Common.Files;
using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>
/// The configured admin token, from configuration or the token file (re-read when the file changes,
/// so rotating the token needs no restart), and a constant-time check of a presented one. The file
/// holds the token itself or only its hash, "sha256:&lt;64 hex&gt;": the export manager runs as the
/// d3kos user, which must be able to check the token without being able to read it (the token also
/// opens the root backup API, and a Signal K plugin runs as d3kos too).
/// </summary>
public sealed class AccessToken(IOptions<AuthOptions> options, D3kosRoot root)
{
    public const string HashPrefix = "sha256:";

    private readonly ChangedFileCache<byte[]?> _file = new(root.Resolve(options.Value.TokenFile), path =>
    {
        var text = File.ReadAllText(path).Trim();
        if (text.StartsWith(HashPrefix, StringComparison.Ordinal))
        {
            var hex = text[HashPrefix.Length..];
            return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? Convert.FromHexString(hex) : null;
        }
        return text.Length >= 16 ? Hash(text) : null;
    });

    public string FilePath => _file.Path;

    /// <summary>SHA-256 of the token, or null when none is configured.</summary>
    public byte[]? ExpectedHash()
    {
        if (!string.IsNullOrEmpty(options.Value.Token))
        {
            return Hash(options.Value.Token);
        }
        return _file.TryRead(out var hash) ? hash : null;
    }

    /// <summary>Compares hashes, so neither the content nor the length of the token leaks through timing.</summary>
    public static bool Matches(byte[] expectedHash, string presented) =>
        CryptographicOperations.FixedTimeEquals(expectedHash, Hash(presented));

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
