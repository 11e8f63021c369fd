using D3kos.Common.Interop;
using D3kos.Testing;

namespace D3kos.Common.Tests.Interop;

/// <summary>
/// An open folder on a real file system: listed by getdents64 across several reads, never opened through a
/// symlink (in its place or anywhere on its path), kept open while another thread still lists it, closed
/// on dispose, and leaking no descriptor on the way to it. Descriptors are counted by what they point
/// into (this test's own root): other tests run in parallel and open their own.
/// </summary>
public sealed class FolderHandleTests : IDisposable
{
    private readonly TempRoot _root = new();

    [Fact]
    public void A_listing_has_every_name_with_its_kind()
    {
        var folder = _root.At("/listed");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.WriteAllText(Path.Combine(folder, ".hidden"), "x");
        File.WriteAllText(Path.Combine(folder, "Bøtte ⚓.json"), "x");
        File.CreateSymbolicLink(Path.Combine(folder, "link"), "/etc");
        // Enough long names that the kernel needs several reads of the 32 KB buffer.
        var many = Enumerable.Range(0, 2000).Select(i => $"file-{i:D5}-{new string('n', 40)}.js").ToList();
        foreach (var name in many)
        {
            File.WriteAllText(Path.Combine(folder, name), "");
        }

        var entries = new List<FolderEntry>();
        using (var handle = FolderHandle.Open(folder))
        {
            handle.List(entries);
        }

        var byName = entries.ToDictionary(e => e.Name, e => e.Kind);
        Assert.Equal(many.Count + 4, entries.Count); // no "." or ".."
        Assert.Equal(FolderEntryKind.Folder, byName["sub"]);
        Assert.Equal(FolderEntryKind.File, byName[".hidden"]);
        Assert.Equal(FolderEntryKind.File, byName["Bøtte ⚓.json"]);
        Assert.Equal(FolderEntryKind.Symlink, byName["link"]);
        Assert.All(many, name => Assert.Equal(FolderEntryKind.File, byName[name]));
    }

    [Fact]
    public void A_name_that_is_not_utf8_is_listed_as_such_and_removed_by_its_bytes()
    {
        var folder = Directory.CreateDirectory(_root.At("/bytes")).FullName;
        Shell($"touch '{folder}'/$'a\\xff'");
        using var handle = FolderHandle.Open(folder);
        handle.CreateFile("plain").Dispose();
        handle.MakeFolder("sub").Dispose();
        Assert.True(handle.TryMove("sub"u8, handle, "renamed"));
        Assert.False(handle.TryMove("sub"u8, handle, "again")); // gone
        var entries = new List<FolderEntry>();

        handle.List(entries);

        Assert.Contains(new FolderEntry("", FolderEntryKind.NotUtf8), entries);
        Assert.True(handle.TryUnlink([(byte)'a', 0xFF]));
        Assert.True(handle.TryUnlink([(byte)'a', 0xFF])); // gone already counts as removed
        Assert.False(handle.TryUnlink("renamed"u8)); // a folder: EISDIR
        Assert.True(handle.TryRemoveFolder("renamed"u8));
        Assert.Equal(["plain"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_folder_swapped_for_a_symlink_is_not_followed()
    {
        var outside = Directory.CreateDirectory(_root.At("/outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret"), "x");
        var parent = Directory.CreateDirectory(_root.At("/parent")).FullName;
        Directory.CreateDirectory(Path.Combine(parent, "child"));
        using var handle = FolderHandle.Open(parent);
        Assert.True(handle.TryOpenFolder("child", out var before));
        before.Dispose();

        Directory.Delete(Path.Combine(parent, "child"));
        File.CreateSymbolicLink(Path.Combine(parent, "child"), outside);
        File.CreateSymbolicLink(Path.Combine(parent, "file"), Path.Combine(outside, "secret"));

        Assert.False(handle.TryOpenFolder("child", out _));
        Assert.False(handle.TryOpenFolder("missing", out _));
        Assert.Throws<IOException>(() => handle.OpenFolder("child"));
        var refused = Assert.Throws<IOException>(() => handle.OpenRead("file"));
        Assert.True(IoErrors.IsSymlinkRefused(refused));
        Assert.True(handle.TryStat("child", out var stat) && stat.IsSymlink);
        Assert.Equal(outside, handle.ReadLink("child"));
    }

    [Fact]
    public void A_path_with_a_symlink_anywhere_on_it_is_not_opened()
    {
        var real = Directory.CreateDirectory(_root.At("/real/inner")).FullName;
        File.CreateSymbolicLink(_root.At("/pointer"), _root.At("/real"));

        Assert.False(FolderHandle.TryOpen(_root.At("/pointer"), out _));
        Assert.False(FolderHandle.TryOpen(_root.At("/pointer/inner"), out _));
        Assert.False(FolderHandle.TryOpen(_root.At("/missing/inner"), out _));
        Assert.Throws<IOException>(() => FolderHandle.Open(_root.At("/pointer/inner")));
        Assert.Throws<IOException>(() => FolderHandle.Open(_root.At("/real/../real/inner")));
        Assert.Throws<ArgumentException>(() => FolderHandle.Open("relative/path"));
        Assert.True(FolderHandle.TryOpen(real, out var opened));
        opened.Dispose();
        Assert.Equal(0, DescriptorsUnderRoot());
    }

    [Fact]
    public void A_folder_made_on_the_way_gets_the_owner_of_the_folder_it_is_made_in()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root, to give a folder another owner");
        var home = Directory.CreateDirectory(_root.At("/home/user")).FullName;
        UnixFile.SetOwner(home, 4242, 4343);

        using (FolderHandle.Open(Path.Combine(home, "a", "b"), createMissing: true))
        {
        }

        var made = FileStat.Lstat(Path.Combine(home, "a", "b"));
        Assert.True(made.IsDirectory);
        Assert.Equal((4242, 4343), (made.Uid, made.Gid));
        Assert.Equal(0, DescriptorsUnderRoot());
    }

    [Fact]
    public async Task A_handle_still_listing_on_another_thread_is_not_closed_under_it()
    {
        var folder = Directory.CreateDirectory(_root.At("/busy")).FullName;
        var names = Enumerable.Range(0, 3000).Select(i => $"entry-{i:D5}-{new string('x', 40)}").ToList();
        names.ForEach(name => File.WriteAllText(Path.Combine(folder, name), ""));
        var handle = FolderHandle.Open(folder);
        var descriptor = handle.ProcPath;
        var listing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var disposed = new ManualResetEventSlim();
        var token = TestContext.Current.CancellationToken;
        var seen = 0;

        var lister = Task.Run(() => handle.List((_, _) =>
        {
            if (Interlocked.Increment(ref seen) == 1)
            {
                listing.SetResult();
                disposed.Wait(TimeSpan.FromSeconds(30), token);
            }
        }), token);
        await listing.Task.WaitAsync(TimeSpan.FromSeconds(30), token);
        handle.Dispose();
        var openWhileListing = PointsAt(descriptor, folder);
        disposed.Set();
        await lister.WaitAsync(TimeSpan.FromSeconds(30), token);

        Assert.True(openWhileListing, "the descriptor was closed while the listing still read it");
        Assert.Equal(names.Count, seen); // the whole listing, several reads after the Dispose
        Assert.False(PointsAt(descriptor, folder));
        Assert.Throws<ObjectDisposedException>(() => handle.List(new List<FolderEntry>()));
        Assert.Throws<ObjectDisposedException>(() => handle.ProcPath);
    }

    [Fact]
    public void Dispose_closes_the_descriptor_and_opening_leaks_none()
    {
        var deep = Directory.CreateDirectory(_root.At("/a/b/c/d/e")).FullName;
        var handles = Enumerable.Range(0, 20).Select(_ => FolderHandle.Open(deep)).ToList();
        Assert.Equal(20, DescriptorsUnderRoot());

        handles.ForEach(h => h.Dispose());
        for (var i = 0; i < 20; i++)
        {
            Assert.Throws<IOException>(() => FolderHandle.Open(deep + "/missing"));
        }

        Assert.Equal(0, DescriptorsUnderRoot());
    }

    public void Dispose() => _root.Dispose();

    /// <summary>The descriptors of this process that name this test's root or anything under it.</summary>
    private int DescriptorsUnderRoot() =>
        Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd => Target(fd) is { } target
            && (target == _root.Path || target.StartsWith(_root.Path + "/", StringComparison.Ordinal)));

    private static bool PointsAt(string descriptor, string folder) => Target(descriptor) == folder;

    private static string? Target(string descriptor)
    {
        try
        {
            return new FileInfo(descriptor).LinkTarget;
        }
        catch (IOException)
        {
            return null; // closed meanwhile
        }
    }

    private static void Shell(string command)
    {
        using var process = System.Diagnostics.Process.Start("bash", ["-c", command])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
