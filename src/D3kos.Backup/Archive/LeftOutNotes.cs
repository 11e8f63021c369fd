namespace D3kos.Backup;

/// <summary>
/// What a backup passed over, for the log: the first <see cref="Kept"/> notes and how many more. A user
/// can make a folder of a hundred thousand sockets; a note each would fill memory and the journal.
/// </summary>
internal sealed class LeftOutNotes
{
    public const int Kept = 50;
    private readonly List<string> _first = [];

    public IReadOnlyList<string> First => _first;

    public int More { get; private set; }

    public void Add(string note)
    {
        if (_first.Count < Kept)
        {
            _first.Add(BackupPaths.Printable(note));
        }
        else
        {
            More++;
        }
    }
}
