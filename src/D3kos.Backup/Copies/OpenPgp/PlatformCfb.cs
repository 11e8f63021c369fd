using System.Security.Cryptography;

namespace D3kos.Backup;

/// <summary>
/// OpenPGP's CFB mode (RFC 4880 13.9, integrity-protected data: plain CFB with a zero IV) on .NET's own
/// AES, which runs on the platform's native code and the processor's AES instructions; BouncyCastle's
/// managed AES was most of the time of a copy. The bytes are those of any CFB-128: a partial last block
/// is the front of the full block's output, so it is padded and cut.
/// </summary>
internal sealed class PlatformCfb : IDisposable
{
    private const int BlockSize = 16;

    private readonly Aes _aes = Aes.Create();
    private readonly ICryptoTransform _transform;
    private readonly byte[] _pending = new byte[BlockSize];
    private int _pendingCount;

    public PlatformCfb(byte[] key, bool encrypt)
    {
        _aes.Key = key;
        _aes.Mode = CipherMode.CFB;
        _aes.FeedbackSize = BlockSize * 8;
        _aes.Padding = PaddingMode.None;
        _aes.IV = new byte[BlockSize];
        _transform = encrypt ? _aes.CreateEncryptor() : _aes.CreateDecryptor();
    }

    /// <summary>True for the symmetric algorithms this class runs (the AES family); any other stays with BouncyCastle.</summary>
    public static bool Runs(Org.BouncyCastle.Bcpg.SymmetricKeyAlgorithmTag algorithm) => KeySize(algorithm) > 0;

    public static int KeySize(Org.BouncyCastle.Bcpg.SymmetricKeyAlgorithmTag algorithm) => algorithm switch
    {
        Org.BouncyCastle.Bcpg.SymmetricKeyAlgorithmTag.Aes128 => 16,
        Org.BouncyCastle.Bcpg.SymmetricKeyAlgorithmTag.Aes192 => 24,
        Org.BouncyCastle.Bcpg.SymmetricKeyAlgorithmTag.Aes256 => 32,
        _ => 0,
    };

    /// <summary>Transforms <paramref name="input"/> into <paramref name="output"/> (the same length); whole blocks go straight through.</summary>
    public void Transform(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (_pendingCount > 0)
        {
            throw new InvalidOperationException("A partial block was already transformed: it can only be the last.");
        }
        var whole = input.Length - input.Length % BlockSize;
        if (whole > 0)
        {
            var inArray = input[..whole].ToArray();
            var outArray = new byte[whole];
            _transform.TransformBlock(inArray, 0, whole, outArray, 0);
            outArray.CopyTo(output);
        }
        var rest = input.Length - whole;
        if (rest > 0)
        {
            Array.Clear(_pending);
            input[whole..].CopyTo(_pending);
            var block = new byte[BlockSize];
            _transform.TransformBlock(_pending, 0, BlockSize, block, 0);
            block.AsSpan(0, rest).CopyTo(output[whole..]);
            _pendingCount = rest;
        }
    }

    /// <summary>The array form, for the streams' own buffers (no copy).</summary>
    public void Transform(byte[] buffer, int offset, int count, byte[] output, int outputOffset)
    {
        if (count == 0)
        {
            return;
        }
        if (count % BlockSize == 0 && _pendingCount == 0)
        {
            _transform.TransformBlock(buffer, offset, count, output, outputOffset);
            return;
        }
        Transform(buffer.AsSpan(offset, count), output.AsSpan(outputOffset, count));
    }

    public void Dispose()
    {
        _transform.Dispose();
        _aes.Dispose();
    }
}
