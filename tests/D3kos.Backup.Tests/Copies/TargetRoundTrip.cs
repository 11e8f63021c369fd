namespace D3kos.Backup.Tests;

/// <summary>
/// One backup through every call of an <see cref="ICopyTarget"/>, the same for each kind: sent, listed,
/// read back whole, deleted, listed again.
/// </summary>
internal sealed record TargetRoundTrip(SentCopy Sent, IReadOnlyList<TargetCopy> Listed, byte[] Read, string? Sha256, IReadOnlyList<TargetCopy> ListedAfterDelete)
{
    public static async Task<TargetRoundTrip> RunAsync(ICopyTarget target, string backupPath)
    {
        var ct = TestContext.Current.CancellationToken;
        using var source = CopySource.Open(backupPath, readPassphrase: null, freeSpaceMargin: 0);
        var sent = await target.UploadAsync(source, [], null, ct);
        var listed = await target.ListAsync(ct);
        var (read, sha256) = await ReadAsync(target, sent.Name);
        await target.DeleteAsync(sent.Name, ct);
        return new TargetRoundTrip(sent, listed, read, sha256, await target.ListAsync(ct));
    }

    /// <summary>A copy's bytes and the checksum the target gives with them.</summary>
    public static Task<(byte[] Bytes, string? Sha256)> ReadAsync(ICopyTarget target, string copyName) =>
        target.DownloadAsync(copyName, async (download, token) =>
        {
            using var bytes = new MemoryStream();
            await download.Content.CopyToAsync(bytes, token);
            return (bytes.ToArray(), download.Sha256);
        }, null, TestContext.Current.CancellationToken);
}
