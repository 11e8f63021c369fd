namespace D3kos.Backup;

/// <summary>
/// What the sources hold right now, with the backups folder, the device's secrets and temporary files
/// left out: the sources found, and <see cref="Items"/>, which walks them in archive order. The totals a
/// backup needs before its first byte lands (<see cref="ScanTotals"/>) come from a walk of their own that
/// keeps no items (<see cref="SourceScanner.Count"/>), run beside the archive's. Memory does not grow with
/// the number of files; a file added between the walks is caught by the manifest's reserved room (the
/// backup starts over), one removed is left out.
/// </summary>
internal sealed class SourceScan(IReadOnlyList<BackupSource> found, IReadOnlySet<string> neverArchived)
{
    public IReadOnlyList<BackupSource> FoundSources => found;
    public IReadOnlySet<string> NeverArchived => neverArchived;
    public List<string> Found { get; } = [.. found.Select(s => s.PiPath)];
    public List<string> Skipped { get; } = [];

    /// <summary>Sources of the wrong kind; the counting walk adds what it passes over inside them.</summary>
    public List<string> Ignored { get; } = [];

    /// <summary>The sources' entries in archive order (each folder before its contents, names in ordinal order), walked afresh.</summary>
    public IEnumerable<SourceItem> Items => found.SelectMany(source => SourceScanner.Walk(source, neverArchived, ignored: null, statFiles: false));
}
