using System.Diagnostics;

namespace D3kos.Backup.Tests;

/// <summary>
/// A local user who owns /home/d3kos races a root restore: a process running as nobody keeps looking for
/// restore staging folders in its home, renames them aside and plants "new/.signalk -> /etc/cron.d" in
/// their place. Staging must be somewhere that user cannot touch, so nothing lands outside the sources.
/// </summary>
public sealed class StagingRaceTests : IDisposable
{
    private const int Nobody = 65534;
    private readonly BoatRoot _boat = new();

    [Fact]
    public void A_user_swapping_staging_for_a_symlink_cannot_make_a_root_restore_write_outside_the_sources()
    {
        Assert.SkipUnless(Environment.UserName == "root" && File.Exists("/usr/bin/setpriv"), "needs root, to run the racer as nobody");
        _boat.Root.Write("/home/d3kos/.signalk/evil-cron", "* * * * * root touch /owned\n");
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var name = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        var (home, cron) = GiveTheHomeToNobody();
        var found = Path.Combine(Path.GetTempPath(), $"d3kos-racer-{Guid.NewGuid():N}.log");
        File.WriteAllText(found, "");
        File.SetUnixFileMode(found, (UnixFileMode)0b110_110_110);
        var script = $$"""
            end=$((SECONDS + 60))
            while [ $SECONDS -lt $end ] && [ ! -e '{{found}}.stop' ]; do
              for d in '{{home}}'/.d3kos-restore-*; do
                [ -d "$d" ] && [ ! -L "$d" ] || continue
                if mv "$d" "$d.aside.$RANDOM" 2>/dev/null; then
                  mkdir -p "$d/new" && ln -s '{{cron}}' "$d/new/.signalk" && echo "$d" >> '{{found}}'
                fi
              done
            done
            """;
        using var racer = Process.Start(new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", "-c", script]))!;
        try
        {
            for (var i = 0; i < 15; i++)
            {
                try
                {
                    manager.RestoreKept(name, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);
                }
                catch (BackupException)
                {
                    // A restore the racer broke is allowed to fail; writing outside the sources is not.
                }
            }
        }
        finally
        {
            File.WriteAllText(found + ".stop", "");
            racer.WaitForExit(30_000);
        }

        Assert.Empty(Directory.GetFileSystemEntries(cron));
        Assert.Equal("", File.ReadAllText(found)); // the racer never even saw a staging folder to swap
        Assert.Empty(Directory.GetDirectories(home, ".d3kos-restore-*"));
        File.Delete(found);
        File.Delete(found + ".stop");
    }

    [Fact]
    public void A_folder_on_the_way_to_a_source_swapped_for_a_symlink_sends_nothing_elsewhere()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root, as the restore runs");
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var name = manager.Create(cancellationToken: TestContext.Current.CancellationToken).FileName;
        var (home, cron) = GiveTheHomeToNobody();
        // The user who owns the home replaces the folder of the flows.json source with a link to cron.d.
        Directory.Delete(Path.Combine(home, ".node-red"), recursive: true);
        File.CreateSymbolicLink(Path.Combine(home, ".node-red"), cron);
        var before = TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder);

        var refused = Assert.Throws<BackupException>(() => manager.RestoreKept(name, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("without following a symlink", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(cron));
        TreeSnapshot.AssertSame(before, TreeSnapshot.Take(_boat.Root.Path, except: _boat.BackupsFolder));
    }

    /// <summary>
    /// As on a Pi: the d3kos home belongs to that (here: unprivileged) user and every folder above it may
    /// be entered; a root-only /etc/cron.d stands for where an attacker would like root to write.
    /// </summary>
    private (string Home, string Cron) GiveTheHomeToNobody()
    {
        var home = _boat.Root.At("/home/d3kos");
        var cron = _boat.Root.At("/etc/cron.d");
        Directory.CreateDirectory(cron);
        Run("chown", "-R", $"{Nobody}:{Nobody}", home);
        _boat.Root.OpenFoldersAbove(home);
        return (home, cron);
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args))!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose() => _boat.Dispose();
}
