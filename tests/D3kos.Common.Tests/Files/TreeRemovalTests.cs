using D3kos.Common.Files;
using D3kos.Testing;

namespace D3kos.Common.Tests.Files;

/// <summary>
/// The removal of a tree through folder descriptors, on a real file system: it takes the tree and never
/// what a symlink in it points to.
/// </summary>
public sealed class TreeRemovalTests : IDisposable
{
    private readonly TempRoot _root = new();

    [Fact]
    public void Removal_takes_the_whole_tree_and_nothing_a_symlink_in_it_points_to()
    {
        var outside = _root.At("/outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "precious.conf"), "keep me");
        var tree = _root.At("/work/old");
        var deep = Path.Combine(tree, "a", "b", "c");
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "index.js"), "x");
        File.WriteAllText(Path.Combine(tree, "a", ".hidden"), "x");
        Directory.CreateDirectory(Path.Combine(tree, "empty"));
        // A folder of the old tree that is a symlink to a folder outside it, and a link to a file.
        File.CreateSymbolicLink(Path.Combine(tree, "a", "b", "to-outside"), outside);
        File.CreateSymbolicLink(Path.Combine(tree, "to-file"), Path.Combine(outside, "precious.conf"));
        // Read-only folders: root removes their entries all the same.
        File.SetUnixFileMode(Path.Combine(tree, "a", "b"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        TreeRemoval.Remove(_root.At("/work"));

        Assert.False(Path.Exists(_root.At("/work")));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(outside, "precious.conf")));
    }

    [Fact]
    public void Removal_of_what_is_not_there_or_is_a_file_or_a_link()
    {
        TreeRemoval.Remove(_root.At("/never-made"));
        File.WriteAllText(_root.At("/plain"), "x");
        TreeRemoval.Remove(_root.At("/plain"));
        var target = _root.At("/target");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "kept"), "x");
        File.CreateSymbolicLink(_root.At("/link"), target);

        TreeRemoval.Remove(_root.At("/link"));

        Assert.False(Path.Exists(_root.At("/plain")));
        Assert.False(Path.Exists(_root.At("/link")));
        Assert.True(File.Exists(Path.Combine(target, "kept")));
    }

    public void Dispose() => _root.Dispose();
}
