using D3kos.Common.Files;
using D3kos.Testing;

namespace D3kos.Common.Tests;

public sealed class FolderChainTests : IDisposable
{
    private readonly TempRoot _root = new();

    [Fact]
    public void The_chain_runs_from_the_root_down_to_the_path_itself() =>
        Assert.Equal(["/", "/opt", "/opt/d3kos", "/opt/d3kos/backups"], FolderChain.FromRoot("/opt/d3kos/backups"));

    [Fact]
    public void A_chain_of_root_owned_folders_closed_to_others_is_safe()
    {
        Directory.CreateDirectory(_root.At("/opt/d3kos"));
        File.SetUnixFileMode(_root.At("/opt/d3kos"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // /tmp above the test root is world-writable with the sticky bit, which protects its entries.
        Assert.Null(FolderChain.FirstChangeableByOthers(_root.At("/opt/d3kos")));
    }

    [Fact]
    public void A_group_writable_folder_on_the_way_is_named()
    {
        Directory.CreateDirectory(_root.At("/home/d3kos/.signalk"));
        File.SetUnixFileMode(_root.At("/home/d3kos"), (UnixFileMode)0b111_111_101);

        Assert.Equal(_root.At("/home/d3kos"), FolderChain.FirstChangeableByOthers(_root.At("/home/d3kos/.signalk")));
    }

    [Fact]
    public void A_symlink_on_the_way_counts_as_changeable()
    {
        Directory.CreateDirectory(_root.At("/real"));
        File.CreateSymbolicLink(_root.At("/link"), _root.At("/real"));

        Assert.Equal(_root.At("/link"), FolderChain.FirstChangeableByOthers(_root.At("/link")));
    }

    public void Dispose() => _root.Dispose();
}
