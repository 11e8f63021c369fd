namespace D3kos.Common.Files;

/// <summary>
/// /var/lib/d3kos: this Pi's own state (browser sessions, pairing codes, secret keys), outside every backup
/// source. It stays 0755 root, since the export manager (user d3kos) reads the sessions in it; each folder or
/// file inside closes itself with its own mode.
/// </summary>
public static class PiStateFolder
{
    /// <summary>Makes the folder that holds <paramref name="path"/> (resolved under the root), open to read.</summary>
    public static void EnsureParentOf(string path) =>
        Directory.CreateDirectory(Path.GetDirectoryName(path)!, (UnixFileMode)Convert.ToInt32("755", 8));
}
