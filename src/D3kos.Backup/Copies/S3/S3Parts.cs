using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace D3kos.Backup;

/// <summary>
/// A file as the parts of a multipart upload, and the digests S3 checks them by: each part's MD5 (its
/// Content-MD5) and the object's ETag (the MD5 of the parts' MD5s, with their count). Not a security
/// measure: the SHA-256 sent along with the object and OpenPGP's integrity code are.
/// </summary>
internal static class S3Parts
{
    /// <summary>
    /// The file in parts of <paramref name="partSize"/> (one, empty, for an empty file): each part's number,
    /// length and MD5, and the buffer that holds its bytes until the next part is read.
    /// </summary>
    public static async IAsyncEnumerable<(int Number, int Length, byte[] Md5, byte[] Buffer)> ReadAsync(
        string file, long size, long partSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var partCount = (int)Math.Max(1, (size + partSize - 1) / partSize);
        var buffer = new byte[(int)Math.Min(partSize, Math.Max(size, 1))];
        await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        for (var part = 1; part <= partCount; part++)
        {
            var length = (int)Math.Min(partSize, size - (part - 1) * partSize);
            await input.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            yield return (part, length, Md5(buffer.AsSpan(0, length)), buffer);
        }
    }

    /// <summary>Each part's MD5, as an upload sent them: what the object's ETag is made of.</summary>
    public static async Task<List<byte[]>> DigestsAsync(string file, long size, long partSize, CancellationToken cancellationToken)
    {
        var digests = new List<byte[]>();
        await foreach (var part in ReadAsync(file, size, partSize, cancellationToken).ConfigureAwait(false))
        {
            digests.Add(part.Md5);
        }
        return digests;
    }

    /// <summary>The ETag a server gives the object completed from parts with these digests.</summary>
    public static string ETagOf(List<byte[]> partDigests) =>
        $"{Convert.ToHexStringLower(Md5(partDigests.SelectMany(d => d).ToArray()))}-{partDigests.Count}";

    /// <summary>The SHA-256 of the file sent, read once per copy: the file does not change while it is sent.</summary>
    public static async Task<string> Sha256Async(string file, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(input, cancellationToken).ConfigureAwait(false));
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "The S3 protocol's Content-MD5 and ETag; integrity against damage, not an attacker (the SHA-256 and OpenPGP's MDC are).")]
    public static byte[] Md5(ReadOnlySpan<byte> bytes) => MD5.HashData(bytes);
}
