using D3kos.ExportManager.Boatlog;

namespace D3kos.ExportManager.Tests;

/// <summary>The CSV download's from/to/type filter: what it accepts and the text bounds it compares with.</summary>
public sealed class BoatlogFilterTests
{
    [Theory]
    [InlineData("2026-05-01", null, "2026-05-01T00:00:00", null)]
    [InlineData(null, "2026-05-01", null, "2026-05-02T00:00:00")] // a date: the whole day
    [InlineData(null, "2026-05-01T10:00:00", null, "2026-05-01T10:00:01")] // a date-time: the whole second
    [InlineData("2026-05-01T10:00:00+02:00", null, "2026-05-01T08:00:00", null)] // an offset becomes UTC
    [InlineData("2026-05-01 10:00:00", null, "2026-05-01T10:00:00", null)] // a space instead of T
    [InlineData(null, "9999-12-31", null, null)] // no day after the last: no upper bound
    [InlineData(null, null, null, null)]
    public void Bounds_are_the_stored_text_form(string? from, string? to, string? expectedFrom, string? expectedTo)
    {
        Assert.True(BoatlogFilter.TryParse(from, to, null, out var filter, out var error), error);

        Assert.Equal(expectedFrom, filter.From);
        Assert.Equal(expectedTo, filter.ToExclusive);
    }

    [Theory]
    [InlineData("yesterday", null, null, "'from'")]
    [InlineData(null, "2026-13-01", null, "'to'")]
    [InlineData("2026-05-01T10", null, null, "'from'")]
    [InlineData(null, null, "engine\u0007", "'type'")]
    public void Bad_input_is_refused_with_a_sentence_naming_the_parameter(string? from, string? to, string? type, string named)
    {
        Assert.False(BoatlogFilter.TryParse(from, to, type, out _, out var error));

        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_is_kept_and_an_empty_one_means_every_type()
    {
        Assert.True(BoatlogFilter.TryParse(null, null, "engine", out var engine, out _));
        Assert.True(BoatlogFilter.TryParse(null, null, "", out var any, out _));
        Assert.False(BoatlogFilter.TryParse(null, null, new string('x', 101), out _, out _));

        Assert.Equal("engine", engine.Type);
        Assert.Null(any.Type);
    }
}
