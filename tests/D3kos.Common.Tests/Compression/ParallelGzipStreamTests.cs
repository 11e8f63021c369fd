using System.Diagnostics;
using System.Security.Cryptography;
using D3kos.Common.Compression;

namespace D3kos.Common.Tests;

/// <summary>
/// The parallel gzip writer against GNU gzip, which must read every stream it makes back to the same
/// bytes: empty input, input ending exactly on a block boundary or one byte past it, many blocks.
/// </summary>
public sealed class ParallelGzipStreamTests
{
    private const int Block = 64 * 1024;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Block - 1)]
    [InlineData(Block)]
    [InlineData(Block + 1)]
    [InlineData(3 * Block)]
    [InlineData(17 * Block + 123)]
    public void Gnu_gzip_reads_back_the_same_bytes(int length)
    {
        Assert.SkipUnless(File.Exists("/bin/gzip") || File.Exists("/usr/bin/gzip"), "GNU gzip is not installed");
        var input = new byte[length];
        // Half random, half repeated: blocks that compress and blocks that do not.
        RandomNumberGenerator.Fill(input.AsSpan(0, length / 2));
        input.AsSpan(length / 2).Fill((byte)'a');
        var compressed = new MemoryStream();
        using (var gzip = new ParallelGzipStream(compressed, zlibLevel: 6, blockSize: Block))
        {
            // Odd write sizes, so the block boundaries fall inside writes.
            for (var at = 0; at < length; at += 7777)
            {
                gzip.Write(input, at, Math.Min(7777, length - at));
            }
        }

        Assert.Equal(input, GnuGunzip(compressed.ToArray()));
    }

    [Fact]
    public void Already_compressed_blocks_are_stored_and_text_still_compresses()
    {
        Assert.SkipUnless(File.Exists("/bin/gzip") || File.Exists("/usr/bin/gzip"), "GNU gzip is not installed");
        // Block 1: random (a JPEG, say). Block 2: log text. Block 3: random with a little text at its
        // start, as a tar header and a small file before an image would be.
        var random = RandomNumberGenerator.GetBytes(Block);
        var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 4000).Select(i => $"2026-05-01T08:{i % 60:D2}:00,position,Underway {i}\n")))[..Block];
        var mixed = RandomNumberGenerator.GetBytes(Block);
        text.AsSpan(0, 2048).CopyTo(mixed);
        byte[] input = [.. random, .. text, .. mixed];

        Assert.Equal(input, GnuGunzip(Compress(input)));
        // Level 1 deflate makes random bytes about 5% larger; stored, a block costs only its framing
        // (5 bytes per 64 KiB stored block, 18 for the member's header and trailer).
        Assert.InRange(Compress(random).Length, Block, Block + 64);
        Assert.InRange(Compress(text).Length, 1, Block / 4);
        // Base64 of a photo (as an export carries a BLOB) has no repeats, but its 64 symbols take 6 bits
        // each: at a level with fitted Huffman codes it must still be deflated, to about three quarters.
        var base64 = System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(Block)))[..Block];
        Assert.InRange(Compress(base64, zlibLevel: 6).Length, 1, Block * 85 / 100);
    }

    private static byte[] Compress(byte[] input, int zlibLevel = 1)
    {
        var compressed = new MemoryStream();
        using (var gzip = new ParallelGzipStream(compressed, zlibLevel, blockSize: Block))
        {
            gzip.Write(input);
        }
        return compressed.ToArray();
    }

    [Fact]
    public void A_failing_output_surfaces_its_error_and_disposing_does_not_hang()
    {
        var gzip = new ParallelGzipStream(new FailingStream(), zlibLevel: 1, blockSize: Block);
        var data = new byte[10 * Block];

        var error = Assert.Throws<IOException>(() => gzip.Write(data));

        Assert.Equal("disk gone", error.Message);
        // What is still in flight cannot be written either; disposing waits for those blocks (a hang fails here).
        Assert.Throws<IOException>(gzip.Dispose);
    }

    private static byte[] GnuGunzip(byte[] compressed)
    {
        using var gunzip = Process.Start(new ProcessStartInfo("gzip", ["-d", "-c"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = new MemoryStream();
        var reading = gunzip.StandardOutput.BaseStream.CopyToAsync(output);
        gunzip.StandardInput.BaseStream.Write(compressed);
        gunzip.StandardInput.Close();
        reading.GetAwaiter().GetResult();
        var errors = gunzip.StandardError.ReadToEnd();
        gunzip.WaitForExit();
        Assert.True(gunzip.ExitCode == 0, $"gzip -d failed: {errors}");
        return output.ToArray();
    }

    private sealed class FailingStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("disk gone");

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("disk gone");
    }
}
