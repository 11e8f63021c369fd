using StbImageSharp;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace D3kos.Browser.Tests;

/// <summary>
/// A screenshot as pixels, as a phone's camera would see the screen: decoded from Chromium's PNG by
/// StbImageSharp (managed, no native image library on Linux) and read by ZXing.Net for a QR code.
/// </summary>
public sealed class ScreenImage
{
    private readonly ImageResult _image;

    private ScreenImage(ImageResult image) => _image = image;

    public static ScreenImage FromPng(byte[] png) => new(ImageResult.FromMemory(png, ColorComponents.RedGreenBlueAlpha));

    public int Width => _image.Width;

    public int Height => _image.Height;

    /// <summary>The QR code's text, or null when none is found.</summary>
    public string? QrText()
    {
        var source = new RGBLuminanceSource(_image.Data, _image.Width, _image.Height, RGBLuminanceSource.BitmapFormat.RGBA32);
        var hints = new Dictionary<DecodeHintType, object> { [DecodeHintType.TRY_HARDER] = true };
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints)?.Text;
    }

    /// <summary>How many pixels give off green or blue light above <paramref name="limit"/> (0-255): white, grey and blue all do; red does not.</summary>
    public int PixelsWithGreenOrBlueAbove(int limit)
    {
        var count = 0;
        for (var i = 0; i < _image.Data.Length; i += 4)
        {
            if (_image.Data[i + 1] > limit || _image.Data[i + 2] > limit)
            {
                count++;
            }
        }
        return count;
    }
}
