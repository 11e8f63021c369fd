using System.Security.Cryptography;
using D3kos.Common.Files;

namespace D3kos.Common.Tests;

public sealed class ReadAheadStreamTests
{
    [Fact]
    public void Reads_give_back_every_byte_in_order_whatever_the_reader_s_buffer()
    {
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        using var ahead = new ReadAheadStream(new MemoryStream(bytes), chunkSize: 64 * 1024, chunksAhead: 2);
        using var copy = new MemoryStream();
        var buffer = new byte[1000];
        int read;
        while ((read = ahead.Read(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(0, ahead.Read(buffer));
    }

    [Fact]
    public void A_failure_of_the_inner_stream_reaches_the_reader_and_every_later_read()
    {
        using var ahead = new ReadAheadStream(new FailingStream(), chunkSize: 1024);

        Assert.Equal("card removed", Assert.Throws<IOException>(() => ahead.ReadExactly(new byte[4096])).Message);
        Assert.Equal("card removed", Assert.Throws<IOException>(() => ahead.ReadExactly(new byte[1])).Message);
    }

    [Fact]
    public async Task Disposing_before_the_end_stops_the_reader_thread_without_hanging()
    {
        var ahead = new ReadAheadStream(new MemoryStream(new byte[16 * 1024 * 1024]), chunkSize: 4096, chunksAhead: 1);
        ahead.ReadExactly(new byte[10]);

        var disposed = Task.Run(ahead.Dispose, TestContext.Current.CancellationToken);
        Assert.Same(disposed, await Task.WhenAny(disposed, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)));
    }

    /// <summary>Gives 2,000 bytes, then fails as a pulled card does.</summary>
    private sealed class FailingStream : Stream
    {
        private int _given;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_given >= 2000)
            {
                throw new IOException("card removed");
            }
            var n = Math.Min(count, 2000 - _given);
            _given += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
