using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace D3kos.Backup;

/// <summary>
/// The key a passphrase gives through an OpenPGP string-to-key specifier (RFC 4880 3.7.1), hashed by the
/// platform's SHA family: the iterated and salted count hashes 32 MiB for each copy. A hash this class
/// does not run is left to BouncyCastle.
/// </summary>
internal static class OpenPgpKey
{
    public static byte[] Derive(S2k s2k, SymmetricKeyAlgorithmTag algorithm, char[] passphrase)
    {
        var keySize = PlatformCfb.KeySize(algorithm);
        if (Hash(s2k.HashAlgorithm) is not { } hash || s2k.Type is not (S2k.Simple or S2k.Salted or S2k.SaltedAndIterated))
        {
            return PgpUtilities.MakeKeyFromPassPhraseUtf8(algorithm, s2k, passphrase).GetKey();
        }
        var secret = Encoding.UTF8.GetBytes(passphrase);
        try
        {
            var salt = s2k.Type == S2k.Simple ? [] : s2k.GetIV();
            var block = new byte[salt.Length + secret.Length];
            salt.CopyTo(block, 0);
            secret.CopyTo(block, salt.Length);
            var count = s2k.Type == S2k.SaltedAndIterated ? Math.Max(s2k.IterationCount, block.Length) : block.Length;
            var key = new byte[keySize];
            // A key longer than one hash takes more contexts, each preloaded with one more zero byte.
            for (int filled = 0, context = 0; filled < keySize; context++)
            {
                using var incremental = IncrementalHash.CreateHash(hash);
                incremental.AppendData(new byte[context]);
                Feed(incremental, block, count);
                var digest = incremental.GetHashAndReset();
                var take = Math.Min(digest.Length, keySize - filled);
                digest.AsSpan(0, take).CopyTo(key.AsSpan(filled));
                filled += take;
            }
            Array.Clear(block);
            return key;
        }
        finally
        {
            Array.Clear(secret);
        }
    }

    /// <summary>The salt and passphrase repeated until <paramref name="count"/> bytes are hashed, fed in large pieces.</summary>
    private static void Feed(IncrementalHash hash, byte[] block, long count)
    {
        var repeats = Math.Max(1, (1 << 16) / block.Length);
        var chunk = new byte[repeats * block.Length];
        for (var i = 0; i < repeats; i++)
        {
            block.CopyTo(chunk, i * block.Length);
        }
        for (long left = count; left > 0; left -= chunk.Length)
        {
            hash.AppendData(chunk, 0, (int)Math.Min(chunk.Length, left));
        }
        Array.Clear(chunk);
    }

    private static HashAlgorithmName? Hash(HashAlgorithmTag tag) => tag switch
    {
        HashAlgorithmTag.Sha1 => HashAlgorithmName.SHA1,
        HashAlgorithmTag.Sha256 => HashAlgorithmName.SHA256,
        HashAlgorithmTag.Sha384 => HashAlgorithmName.SHA384,
        HashAlgorithmTag.Sha512 => HashAlgorithmName.SHA512,
        _ => null,
    };
}
