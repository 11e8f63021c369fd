using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace D3kos.Common.Interop;

/// <summary>Receives one name of a folder listing, as the file system's bytes.</summary>
public delegate void FolderNameVisitor(ReadOnlySpan<byte> name, FolderEntryKind kind);

// A folder's names, read with getdents64 on the descriptor itself.
public sealed partial class FolderHandle
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The names here (not "." or ".."), in the order the file system keeps them, with the kind the listing
    /// gives. A name that is not UTF-8 comes as <see cref="FolderEntryKind.NotUtf8"/> with an empty name: a
    /// string cannot name it again, and two such names could decode to the same one.
    /// </summary>
    public void List(List<FolderEntry> into) =>
        List((name, kind) =>
        {
            string decoded;
            try
            {
                decoded = StrictUtf8.GetString(name);
            }
            catch (ArgumentException)
            {
                into.Add(new FolderEntry("", FolderEntryKind.NotUtf8));
                return;
            }
            into.Add(new FolderEntry(decoded, kind));
        });

    /// <summary>
    /// The names here as the file system's bytes. getdents64 on the descriptor itself: .NET's enumeration
    /// would open the folder again by path and stat it, three more calls per folder of a tree of tens of
    /// thousands of files. Reads the descriptor's position to the end, so a folder is listed once per
    /// opening (or per <see cref="Rewind"/>).
    /// </summary>
    public unsafe void List(FolderNameVisitor visit)
    {
        // One reference for the whole listing, the visitor's calls included: a Dispose on another thread
        // meanwhile closes the descriptor only once the listing is done with it.
        var referenced = false;
        DangerousAddRef(ref referenced);
        var buffer = ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            var fd = (int)handle;
            fixed (byte* start = buffer)
            {
                nint got;
                while ((got = LibC.GetDents64(fd, start, (nuint)buffer.Length)) != 0)
                {
                    if (got < 0)
                    {
                        if (LibC.LastError != Errno.Interrupted)
                        {
                            throw LibC.Error("Cannot list a folder");
                        }
                        continue;
                    }
                    for (var at = 0; at < got;)
                    {
                        at += Visit(new ReadOnlySpan<byte>(start + at, (int)got - at), visit);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            DangerousRelease();
        }
    }

    /// <summary>Back to the start, for another listing (getdents64 reads on from where it stopped).</summary>
    public void Rewind()
    {
        if (LibC.LSeek(this, 0, Flags.SeekSet) < 0)
        {
            throw LibC.Error("Cannot read a folder again");
        }
    }

    /// <summary>Hands one dirent64 record's name to <paramref name="visit"/>; returns the record's length.</summary>
    private static int Visit(ReadOnlySpan<byte> record, FolderNameVisitor visit)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(record[DirentLayout.RecordLength..]);
        var name = record[DirentLayout.Name..length];
        name = name[..name.IndexOf((byte)0)];
        if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
        {
            visit(name, record[DirentLayout.Type] switch
            {
                DirentLayout.TypeUnknown => FolderEntryKind.Unknown,
                DirentLayout.TypeFolder => FolderEntryKind.Folder,
                DirentLayout.TypeFile => FolderEntryKind.File,
                DirentLayout.TypeSymlink => FolderEntryKind.Symlink,
                _ => FolderEntryKind.Other,
            });
        }
        return length;
    }
}
