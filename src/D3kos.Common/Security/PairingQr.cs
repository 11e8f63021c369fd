using QRCoder;

namespace D3kos.Common.Security;

/// <summary>
/// A pairing link as a QR code, for a phone's camera: SVG for the owner's page, Unicode half blocks for a
/// terminal. QRCoder (MIT, trims cleanly under Native AOT) does the encoding; nothing here draws by hand.
/// </summary>
public static class PairingQr
{
    // M (15% of the code can be lost) reads well from a screen at an angle and keeps a 60-character link
    // at version 4 (33 modules), large enough for a phone across the chart table.
    private const QRCodeGenerator.ECCLevel Correction = QRCodeGenerator.ECCLevel.M;

    /// <summary>Black modules on a white quiet zone of four modules, sized by its viewBox; the page recolours it with CSS (night mode).</summary>
    public static string Svg(string link)
    {
        using var data = QRCodeGenerator.GenerateQrCode(link, Correction);
        return new SvgQRCode(data).GetGraphic(8, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    /// <summary>
    /// Two rows of modules per line in half blocks (▀ ▄ █). Light modules and the quiet zone are the blocks,
    /// as the terminal's own light text on its dark background: that is the way round a camera reads it.
    /// </summary>
    public static string TerminalBlocks(string link)
    {
        using var data = QRCodeGenerator.GenerateQrCode(link, Correction);
        return new AsciiQRCode(data).GetGraphicSmall(drawQuietZones: true, invert: false, endOfLine: "\n");
    }

    /// <summary>True for an address the page may ask a code for: http(s), a host, nothing after it.</summary>
    public static bool IsPageOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0
        && uri.PathAndQuery == "/" && uri.Fragment.Length == 0 && origin.Length <= 200;
}
