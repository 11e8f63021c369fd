using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using D3kos.Common.Interop;

namespace D3kos.Common.Files;

/// <summary>
/// Writes a file so that a reader sees the old or the new content, never half of it, and so that
/// a power cut after the call returns keeps the new content: temp file in the same folder, fsync,
/// rename over, fsync the folder.
/// </summary>
public static class AtomicFile
{
    /// <summary>Owner read/write, group read: queue, history and export files hold the boat's data (SECURITY.md, row 7).</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <param name="mode">The file's mode, set explicitly so the umask cannot widen it (default <see cref="Private"/>).</param>
    public static void Write(string path, Action<Stream> writeContent, UnixFileMode mode = Private)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = ExactMode.CreateFile(temp, mode, FileAccess.Write, 64 * 1024))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        UnixFile.FlushFolder(directory);
    }

    public static void WriteJson<T>(string path, T value, JsonTypeInfo<T> typeInfo) =>
        Write(path, stream =>
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            JsonSerializer.Serialize(writer, value, typeInfo);
        });

    /// <summary>Copies a file into place with the same guarantees as <see cref="Write"/>.</summary>
    public static void Copy(string source, string destination) =>
        Write(destination, stream =>
        {
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
            input.CopyTo(stream);
        });

    /// <summary>
    /// Puts the same bytes under a second name without a second copy on the card: a hard link made
    /// under a temporary name, renamed over the destination and the folder flushed, so a reader never
    /// sees a half-made file. Across file systems (or where links are not allowed) it copies, as atomically.
    /// </summary>
    public static void LinkOrCopy(string source, string destination)
    {
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"Could not find file '{source}'.", source);
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        if (!UnixFile.TryHardLink(source, temporary, out _))
        {
            Copy(source, destination);
            return;
        }
        try
        {
            MoveDurably(temporary, destination, overwrite: true);
        }
        finally
        {
            // rename(2) of two names of one file (a repeated delivery) succeeds and changes nothing:
            // the temporary name is still there then.
            TryDelete(temporary);
        }
    }

    /// <summary>Renames and then flushes the destination folder so the rename survives a power cut.</summary>
    public static void MoveDurably(string source, string destination, bool overwrite = false)
    {
        File.Move(source, destination, overwrite);
        UnixFile.FlushFolder(Path.GetDirectoryName(Path.GetFullPath(destination))!);
    }

    /// <summary>Deletes and then flushes the folder, so the deletion survives a power cut.</summary>
    public static void DeleteDurably(string path)
    {
        File.Delete(path);
        UnixFile.FlushFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>True when the exception means the disk (or quota) is full.</summary>
    public static bool IsDiskFull(Exception exception) =>
        exception is IOException io &&
        (IoErrors.IsNoSpace(io) || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            || io.Message.Contains("quota", StringComparison.OrdinalIgnoreCase));
}
