using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Backup.Tests;

/// <summary>
/// The user who owns /home/d3kos swaps a folder of a source for a symlink to a folder they cannot read,
/// at the worst moment: after the backup's walk has listed it as a folder, before it reads what is in it.
/// The walk is lazy, so the test makes the swap exactly there. A walk that goes by path again would list
/// and archive the other folder's files as root; the walk opens the folder it listed relative to its
/// parent, without following a symlink, and passes over what is no longer a folder.
/// </summary>
public sealed class WalkRaceTests : IDisposable
{
    private readonly BoatRoot _boat = new();

    [Fact]
    public void A_folder_swapped_for_a_symlink_after_it_was_listed_is_not_followed()
    {
        var plugin = _boat.Root.At("/home/d3kos/.signalk/node_modules/plugin");
        Directory.CreateDirectory(plugin);
        File.WriteAllText(Path.Combine(plugin, "index.js"), "module.exports = 1;");
        var secret = _boat.Root.At("/etc/secret");
        Directory.CreateDirectory(secret);
        File.WriteAllText(Path.Combine(secret, "shadow"), "root:$6$hash");
        var (_, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var scan = SourceScanner.Find(services.GetRequiredService<BackupPaths>());

        var members = new List<string>();
        foreach (var item in scan.Items)
        {
            members.Add(item.Member);
            if (item.Kind == ItemKind.Directory && item.RealPath == plugin)
            {
                Directory.Move(plugin, plugin + ".aside");
                File.CreateSymbolicLink(plugin, secret);
            }
        }

        Assert.Contains("home/d3kos/.signalk/node_modules/plugin", members);
        Assert.DoesNotContain(members, m => m.EndsWith("/shadow", StringComparison.Ordinal) || m.EndsWith("/index.js", StringComparison.Ordinal));
    }

    public void Dispose() => _boat.Dispose();
}
