using System.Buffers;
using System.Globalization;

namespace D3kos.ExportManager.Boatlog;

/// <summary>
/// RFC 4180 cells written straight as UTF-8 bytes: the boat log's text goes from SQLite's buffer to
/// the response without becoming a .NET string, which is what keeps a million rows fast and flat.
/// </summary>
internal static class Utf8CsvRow
{
    private static readonly SearchValues<byte> NeedsQuotes = SearchValues.Create(",\"\r\n"u8);
    private static readonly SearchValues<byte> FormulaStart = SearchValues.Create("=+-@\t\r"u8);

    /// <summary>The most a text cell can take: every byte a doubled quote, plus the leading quote mark and the quotes around it.</summary>
    public static int MaxTextLength(int bytes) => (2 * bytes) + 3;

    public const int MaxNumberLength = 32;

    /// <summary>
    /// A text cell. OWASP CSV injection: text a spreadsheet would run as a formula gets a leading
    /// apostrophe. Returns the bytes written.
    /// </summary>
    public static int WriteText(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        var neutralise = text.Length > 0 && FormulaStart.Contains(text[0]);
        var quote = text.IndexOfAny(NeedsQuotes) >= 0 || (text.Length > 0 && (text[0] == (byte)' ' || text[^1] == (byte)' '));
        if (!quote)
        {
            var offset = 0;
            if (neutralise)
            {
                destination[offset++] = (byte)'\'';
            }
            text.CopyTo(destination[offset..]);
            return offset + text.Length;
        }
        var written = 0;
        destination[written++] = (byte)'"';
        if (neutralise)
        {
            destination[written++] = (byte)'\'';
        }
        while (!text.IsEmpty)
        {
            var next = text.IndexOf((byte)'"');
            var run = next < 0 ? text : text[..(next + 1)];
            run.CopyTo(destination[written..]);
            written += run.Length;
            if (next < 0)
            {
                break;
            }
            destination[written++] = (byte)'"';
            text = text[(next + 1)..];
        }
        destination[written++] = (byte)'"';
        return written;
    }

    /// <summary>A REAL as stored: the shortest text that reads back as the same double (.NET's default since Core 3.0).</summary>
    public static int WriteReal(double value, Span<byte> destination) =>
        value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture) ? written : throw new InvalidOperationException("number too long");

    public static int WriteInteger(long value, Span<byte> destination) =>
        value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture) ? written : throw new InvalidOperationException("number too long");
}
