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
    private readonly string _file = root.Resolve(options.Value.TokenFile);
    private readonly Lock _gate = new();
    private (DateTime WrittenAt, long Length) _seen;
    private byte[]? _fileTokenHash;

    public string FilePath => _file;

    /// <summary>SHA-256 of the token, or null when none is configured.</summary>
    public byte[]? ExpectedHash()
    {
        if (!string.IsNullOrEmpty(options.Value.Token))
        {
            return Hash(options.Value.Token);
        }
        var info = new FileInfo(_file);
        if (!info.Exists)
        {
            return null;
        }
        lock (_gate)
        {
            if (_seen != (info.LastWriteTimeUtc, info.Length))
            {
                var text = File.ReadAllText(_file).Trim();
                _fileTokenHash = text.Length >= 16 ? Hash(text) : null;
                _seen = (info.LastWriteTimeUtc, info.Length);
            }
            return _fileTokenHash;
        }
    }

    /// <summary>Compares hashes, so neither the content nor the length of the token leaks through timing.</summary>
    public static bool Matches(byte[] expectedHash, string presented) =>
        CryptographicOperations.FixedTimeEquals(expectedHash, Hash(presented));

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
