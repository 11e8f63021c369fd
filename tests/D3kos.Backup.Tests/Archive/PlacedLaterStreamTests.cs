namespace D3kos.Backup.Tests;

/// <summary>
/// The archive body held until its place is known: nothing reaches the file before, everything after, in
/// order at the offset given; the hold limit forces the wait; a refusal is final and checked once.
/// </summary>
public sealed class PlacedLaterStreamTests
{
    [Fact]
    public void Held_output_lands_at_the_offset_given_then_writes_go_straight_through()
    {
        using var file = new MemoryStream();
        var ready = false;
        var placed = 0;
        using var body = new PlacedLaterStream(file, () => ready, () => { placed++; return 10; }, holdLimit: 1024);

        body.Write("held "u8);
        body.Write("twice "u8);
        Assert.Equal(0, file.Length); // nothing on the disk yet
        ready = true;
        body.Write("then direct"u8);
        body.Flush();

        Assert.Equal(1, placed);
        Assert.Equal("held twice then direct", System.Text.Encoding.ASCII.GetString(file.ToArray().AsSpan(10)));
    }

    [Fact]
    public void Output_over_the_hold_limit_waits_for_its_place()
    {
        using var file = new MemoryStream();
        var placed = 0;
        using var body = new PlacedLaterStream(file, () => false, () => { placed++; return 0; }, holdLimit: 8);

        body.Write("1234"u8);
        Assert.Equal(0, placed);
        body.Write("56789"u8); // 9 bytes would be held: the place is waited for now

        Assert.Equal(1, placed);
        Assert.Equal("123456789"u8.ToArray(), file.ToArray());
    }

    [Fact]
    public void A_refusal_stands_and_is_not_checked_again()
    {
        using var file = new MemoryStream();
        var checks = 0;
        using var body = new PlacedLaterStream(file, () => true,
            () => { checks++; throw new BackupException(BackupError.DiskFull, "no space"); }, holdLimit: 1024);

        Assert.Equal("no space", Assert.Throws<BackupException>(() => body.Write("x"u8)).Message);
        Assert.Equal("no space", Assert.Throws<BackupException>(body.Flush).Message);

        Assert.Equal(1, checks);
        Assert.Equal(0, file.Length);
    }
}
