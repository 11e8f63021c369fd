namespace D3kos.Common.Files;

/// <summary>
/// The one file-system root every path is resolved under. On the Pi it is "/", in tests, the demo
/// and the benchmarks it is a scratch folder, so nothing ever writes outside it.
/// </summary>
public sealed class D3kosRoot
{
    /// <summary>Configuration key (and environment variable) that names the root.</summary>
    public const string ConfigurationKey = "D3KOS_FS_ROOT";

    public D3kosRoot(string? root)
    {
        Path = System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(root) ? "/" : root);
    }

    /// <summary>The absolute root folder.</summary>
    public string Path { get; }

    /// <summary>
    /// Maps a path as it is on the Pi ("/opt/d3kos/config/license.json") to the real location under the root.
    /// Relative paths are taken as relative to the root. The result never escapes the root.
    /// </summary>
    public string Resolve(string piPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(piPath);
        var combined = System.IO.Path.GetFullPath(System.IO.Path.Join(Path, piPath.TrimStart('/')));
        if (!IsUnder(combined))
        {
            throw new ArgumentException($"Path '{piPath}' resolves outside the root '{Path}'.", nameof(piPath));
        }
        return combined;
    }

    /// <summary>The path as the Pi would see it ("/opt/..."), for messages and manifests.</summary>
    public string ToPiPath(string realPath)
    {
        var full = System.IO.Path.GetFullPath(realPath);
        if (!IsUnder(full))
        {
            throw new ArgumentException($"Path '{realPath}' is not under the root '{Path}'.", nameof(realPath));
        }
        var relative = System.IO.Path.GetRelativePath(Path, full);
        return relative == "." ? "/" : "/" + relative;
    }

    private bool IsUnder(string fullPath)
    {
        if (Path == "/")
        {
            return true;
        }
        return fullPath == Path || fullPath.StartsWith(Path + "/", StringComparison.Ordinal);
    }
}
