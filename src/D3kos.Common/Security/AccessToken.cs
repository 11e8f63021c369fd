using System.Security.Cryptography;
using System.Text;
using D3kos.Common.Files;
using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>
/// The configured admin token, from configuration or the token file (re-read when the file changes,
/// so rotating the token needs no restart), and a constant-time check of a presented one.
/// </summary>
public sealed class AccessToken(IOptions<AuthOptions> options, D3kosRoot root)
{
    private readonly ChangedFileCache<byte[]?> _file = new(root.Resolve(options.Value.TokenFile), path =>
    {
        var text = File.ReadAllText(path).Trim();
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
