using D3kos.Common.Files;
using D3kos.Testing;

namespace D3kos.Common.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempRoot _root = new();

    [Fact]
    public void A_write_replaces_the_file_whole_with_its_own_mode_and_leaves_no_temporary_file()
    {
        var path = _root.At("/state/queue.json");
        _root.Write("/state/queue.json", "old");
        var umask = UnixUmask.Set(0);
        try
        {
            AtomicFile.Write(path, stream => stream.Write("new"u8));
        }
        finally
        {
            UnixUmask.Set(umask);
        }

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(AtomicFile.Private, File.GetUnixFileMode(path));
        Assert.Equal(["queue.json"], Directory.GetFiles(_root.At("/state")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_write_that_fails_half_way_keeps_the_old_content_and_no_temporary_file()
    {
        var path = _root.At("/state/queue.json");
        _root.Write("/state/queue.json", "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("half"u8);
            throw new InvalidOperationException("the disk went away");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["queue.json"], Directory.GetFiles(_root.At("/state")).Select(Path.GetFileName));
    }

    [Fact]
    public void Link_or_copy_gives_a_second_name_to_the_same_bytes()
    {
        _root.Write("/exports/a.json", "export");

        AtomicFile.LinkOrCopy(_root.At("/exports/a.json"), _root.At("/outbox/a.json"));
        AtomicFile.LinkOrCopy(_root.At("/exports/a.json"), _root.At("/outbox/a.json"));

        Assert.Equal("export", File.ReadAllText(_root.At("/outbox/a.json")));
        Assert.Equal(["a.json"], Directory.GetFiles(_root.At("/outbox")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_full_disk_is_recognised_by_its_errno_and_nothing_else_is()
    {
        Assert.True(AtomicFile.IsDiskFull(new IOException("No space left on device", 28)));
        Assert.False(AtomicFile.IsDiskFull(new IOException("Read-only file system", 30)));
        Assert.False(AtomicFile.IsDiskFull(new InvalidOperationException("No space left")));
    }

    public void Dispose() => _root.Dispose();
}
