namespace D3kos.Backup.Tests;

/// <summary>
/// A service whose socket is systemd's starts again at the next connection, even while a restore has it
/// stopped: the restore says so (RestoreSwapMarker) from before the stop until before the start, and the
/// export manager's unit waits while it is there.
/// </summary>
public sealed class RestoreSwapMarkerTests : IDisposable
{
    private readonly BoatRoot _boat = new();
    private readonly DirectoryInfo _tools = Directory.CreateTempSubdirectory("d3kos-marker-");

    [Fact]
    public void The_marker_stands_from_before_the_services_stop_until_before_they_start()
    {
        Directory.CreateDirectory(_boat.Root.At("/run/d3kos"));
        var marker = _boat.Root.At(RestoreSwapMarker.PiPath);
        var log = Path.Combine(_tools.FullName, "seen.log");
        // The service command records, at each call, whether the marker was there.
        var command = Path.Combine(_tools.FullName, "service.sh");
        File.WriteAllText(command, $"#!/bin/sh\nif [ -e '{marker}' ]; then echo \"$1 marked\"; else echo \"$1 clear\"; fi >> '{log}'\n");
        File.SetUnixFileMode(command, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (manager, services) = Library.Create(_boat.Settings(("Backup:ServiceCommand", command)));
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);

        manager.RestoreKept(backup.FileName, replaceInstallationId: false, cancellationToken: TestContext.Current.CancellationToken);

        var seen = File.ReadAllLines(log);
        Assert.Contains("stop marked", seen);
        Assert.Contains("start clear", seen);
        Assert.DoesNotContain("stop clear", seen);
        Assert.DoesNotContain("start marked", seen);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_marker_left_by_a_restore_cut_off_is_removed_at_the_next_start()
    {
        Directory.CreateDirectory(_boat.Root.At("/run/d3kos"));
        File.WriteAllText(_boat.Root.At(RestoreSwapMarker.PiPath), "1\n");
        Directory.CreateDirectory(_boat.BackupsFolder);
        File.WriteAllText(Path.Combine(_boat.BackupsFolder, ".restore-journal.json"), "{ cut off");
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;

        manager.RecoverAfterCrash();

        Assert.False(File.Exists(_boat.Root.At(RestoreSwapMarker.PiPath)));
    }

    public void Dispose()
    {
        _boat.Dispose();
        _tools.Delete(recursive: true);
    }
}
