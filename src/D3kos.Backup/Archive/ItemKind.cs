namespace D3kos.Backup;

public enum ItemKind
{
    Directory,
    File,
    Symlink,
    SqliteDatabase,
}
