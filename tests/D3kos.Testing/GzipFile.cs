using System.IO.Compression;

namespace D3kos.Testing;

/// <summary>Reads back what the services store gzip-compressed (exports), as GNU gzip would.</summary>
public static class GzipFile
{
    public static byte[] ReadAllBytes(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }

    public static string ReadAllText(string path) => System.Text.Encoding.UTF8.GetString(ReadAllBytes(path));
}
