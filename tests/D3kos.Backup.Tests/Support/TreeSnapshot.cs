using System.Security.Cryptography;

namespace D3kos.Backup.Tests;

/// <summary>Every path under a folder with its content hash (or link target), to prove what a refused restore left alone.</summary>
internal static class TreeSnapshot
{
    public static SortedDictionary<string, string> Take(string root, string? except = null)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (except is not null && (path == except || path.StartsWith(except + "/", StringComparison.Ordinal)))
            {
                continue;
            }
            var info = new FileInfo(path);
            result[Path.GetRelativePath(root, path)] = info.LinkTarget is { } target ? "-> " + target
                : Directory.Exists(path) ? "dir"
                : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        }
        return result;
    }

    /// <summary>Equal trees, or a failure that names the paths that differ.</summary>
    public static void AssertSame(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual)
    {
        var differences = expected.Keys.Union(actual.Keys)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
            .Select(k => $"{k}: expected {expected.GetValueOrDefault(k) ?? "nothing"}, found {actual.GetValueOrDefault(k) ?? "nothing"}")
            .ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }
}
