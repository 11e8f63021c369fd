using D3kos.Common.Files;

namespace D3kos.Backup;

/// <summary>This Pi's identity towards Signal K and its request waiting for the owner, kept across restarts so it asks once.</summary>
/// <param name="ClientId">Made once: Signal K knows the device by it.</param>
/// <param name="RequestHref">Where Signal K answers the request still waiting for approval.</param>
/// <param name="DeniedAt">When the owner denied the last request.</param>
public sealed record SignalKAccess(string ClientId, string? RequestHref, DateTimeOffset? DeniedAt);

/// <summary>The access state in the notify folder (signalk-access.json, 0600); the token itself is apart (<see cref="NotifySecrets"/>).</summary>
internal sealed class SignalKAccessFile(NotifySecrets secrets)
{
    private string FilePath => secrets.FileOf("signalk-access.json");

    public SignalKAccess Read() =>
        StatusFile.Read(FilePath, BackupJsonContext.Default.SignalKAccess) is { ClientId.Length: > 0 } access
            ? access
            : new SignalKAccess($"d3kos-backup-{Guid.NewGuid()}", null, null);

    public void Write(SignalKAccess access)
    {
        secrets.EnsureFolder();
        AtomicFile.WriteJson(FilePath, access, BackupJsonContext.Default.SignalKAccess);
    }
}
