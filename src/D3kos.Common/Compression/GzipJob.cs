using System.Runtime.ExceptionServices;

namespace D3kos.Common.Compression;

/// <summary>One block to compress, and its result once <see cref="Done"/> is set.</summary>
internal sealed class GzipJob(byte[] block, int length, int level)
{
    public byte[] Block => block;
    public int Length => length;
    public int Level => level;
    public ManualResetEventSlim Done { get; } = new();
    public GzipMember.Compressed? Result { get; set; }
    public ExceptionDispatchInfo? Error { get; set; }
}

