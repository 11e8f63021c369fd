using System.Security.Cryptography;
using D3kos.Testing;

namespace D3kos.Faults.Tests;

/// <summary>A boat's sources with some weight (so a backup or restore takes long enough to be interrupted).</summary>
internal static class BoatForFaults
{
    public static void Seed(TempRoot root, int imageMegabytes)
    {
        root.WithLicense(tier: 1);
        root.Write("/opt/d3kos/config/user-preferences.json", """{"units":"metric"}""");
        root.WithBoatlog(Enumerable.Range(1, 2000).Select(i => ((object)(long)i, $"2026-05-01T{i / 3600:D2}:{i / 60 % 60:D2}:{i % 60:D2}", "position", $"fix {i}", (double?)43.5, (double?)-79.5)));
        root.Write("/var/www/html/index.html", "<h1>d3kOS</h1>");
        root.Write("/home/d3kos/.signalk/settings.json", """{"port":3000}""");
        root.Write("/home/d3kos/.node-red/flows.json", "[]");
        var images = root.At("/opt/d3kos/data/marine-vision/images");
        Directory.CreateDirectory(images);
        var buffer = new byte[1024 * 1024];
        for (var i = 0; i < imageMegabytes; i++)
        {
            RandomNumberGenerator.Fill(buffer);
            File.WriteAllBytes(Path.Combine(images, $"capture_{i:D3}.jpg"), buffer);
        }
    }

    public static Dictionary<string, string> Environment(TempRoot root) => new()
    {
        ["D3KOS_FS_ROOT"] = root.Path,
        ["Backup__ServiceCommand"] = "/bin/true",
    };

    /// <summary>Every path under the sources with its content hash, per source, to compare states.</summary>
    public static Dictionary<string, string> SourceStates(TempRoot root)
    {
        string[] sources = ["/opt/d3kos/config", "/opt/d3kos/data", "/var/www/html", "/home/d3kos/.signalk", "/home/d3kos/.node-red/flows.json"];
        return sources.ToDictionary(s => s, s => Digest(root.At(s)));
    }

    private static string Digest(string path)
    {
        if (File.Exists(path))
        {
            return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        }
        if (!Directory.Exists(path))
        {
            return "missing";
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(path, file) + "\n"));
            if (File.Exists(file))
            {
                hash.AppendData(SHA256.HashData(File.ReadAllBytes(file)));
            }
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}
