namespace D3kos.Backup.Tests;

/// <summary>What every kind of target is given to copy: the backup, its checksum and, when asked for, the passphrase.</summary>
public sealed class CopySourceTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private readonly BoatRoot _boat = new();

    [Fact]
    public async Task The_passphrase_is_read_when_a_target_first_needs_it_and_cleared_after_the_copy()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        var reads = 0;
        char[]? given = null;
        var source = CopySource.Open(backup.Path, () => { reads++; return given = Passphrase.ToCharArray(); }, freeSpaceMargin: 0);

        var (readsBefore, name) = (reads, source.CopyName);
        using var encrypted = new MemoryStream();
        await source.WriteAsync(encrypted, TestContext.Current.CancellationToken);
        var readsAfter = reads;
        source.Dispose();

        Assert.Equal((0, backup.FileName + ".gpg"), (readsBefore, name));
        Assert.Equal(1, readsAfter);
        Assert.All(given!, c => Assert.Equal('\0', c));
        var file = Path.Combine(_boat.Root.Path, name);
        File.WriteAllBytes(file, encrypted.ToArray());
        Gpg.Decrypt(file, file + ".tar.gz", Passphrase);
        Assert.Equal(File.ReadAllBytes(backup.Path), File.ReadAllBytes(file + ".tar.gz"));
    }

    [Fact]
    public void A_backup_removed_before_its_copy_is_said_as_removed()
    {
        var (manager, services) = Library.Create(_boat.Settings());
        using var _ = services;
        var backup = manager.Create(cancellationToken: TestContext.Current.CancellationToken);
        manager.Delete(backup.FileName, TestContext.Current.CancellationToken);

        var refused = Assert.Throws<BackupException>(() => CopySource.Open(backup.Path, readPassphrase: null, freeSpaceMargin: 0));

        Assert.Equal(BackupError.NotFound, refused.Error);
        Assert.Equal($"The backup {backup.FileName} was removed (by retention or by hand) before it was copied; nothing was copied.", refused.Message);
    }

    public void Dispose() => _boat.Dispose();
}
