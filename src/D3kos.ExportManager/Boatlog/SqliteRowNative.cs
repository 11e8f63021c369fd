using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace D3kos.ExportManager.Boatlog;

/// <summary>
/// The column accessors of the SQLite library that Microsoft.Data.Sqlite ships (e_sqlite3), called
/// directly on the raw statement pointer. A million-row CSV makes ten of these calls per row; going
/// through SQLitePCL's safe handles cost a third of the download's time. The accessors only read
/// the current row and never block, so they skip the GC transition too. The statement is kept alive
/// by its SafeHandle in <see cref="BoatlogCsv"/> for as long as these are called.
/// </summary>
internal static unsafe partial class SqliteRowNative
{
    private const string Library = "e_sqlite3";

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    public static partial int Step(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
    [SuppressGCTransition]
    public static partial int ColumnType(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    [SuppressGCTransition]
    public static partial long ColumnInt64(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_double")]
    [SuppressGCTransition]
    public static partial double ColumnDouble(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_blob")]
    [SuppressGCTransition]
    private static partial byte* ColumnBlob(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    [SuppressGCTransition]
    private static partial int ColumnBytes(nint statement, int column);

    /// <summary>The column's bytes (TEXT as UTF-8), valid until the next step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> ColumnSpan(nint statement, int column)
    {
        // sqlite3_column_blob first, then _bytes: the order SQLite documents for a stable length.
        var data = ColumnBlob(statement, column);
        return data is null ? [] : new ReadOnlySpan<byte>(data, ColumnBytes(statement, column));
    }
}
