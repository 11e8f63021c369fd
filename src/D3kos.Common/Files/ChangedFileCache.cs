namespace D3kos.Common.Files;

/// <summary>
/// What a small file says, parsed again only when its size or time stamp changes: a license upgrade
/// or a rotated token takes effect on the next request without a restart, and without a parse per request.
/// </summary>
public sealed class ChangedFileCache<T>(string path, Func<string, T> parse)
{
    private readonly Lock _gate = new();
    private (DateTime WrittenAt, long Length)? _seen;
    private T _value = default!;

    public string Path => path;

    /// <summary>The parsed content, or false when the file does not exist.</summary>
    public bool TryRead(out T value)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            value = default!;
            return false;
        }
        lock (_gate)
        {
            var stamp = (info.LastWriteTimeUtc, info.Length);
            if (_seen != stamp)
            {
                _value = parse(path);
                _seen = stamp;
            }
            value = _value;
            return true;
        }
    }
}
