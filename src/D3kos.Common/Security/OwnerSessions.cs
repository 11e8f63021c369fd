using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using Microsoft.Extensions.Options;

namespace D3kos.Common.Security;

/// <summary>
/// The browser's signed-in sessions and the one-time pairing codes that start them. A session is a
/// random 256-bit value in an HttpOnly cookie; the Pi keeps only its SHA-256, as a file named by it in
/// <c>sessions/</c>, with its expiry and a fingerprint of the access token it was opened under.
/// <para>
/// Why not ASP.NET Core's cookie authentication with a Data Protection key ring: the export manager
/// must accept the session too, and it runs as the d3kos user that Signal K's plugins share. A key ring
/// it can read would let any of them mint an owner's session for the root backup API. Hashes let it
/// check a session without being able to make one, as the token-hash file does for the token.
/// </para>
/// Only the backup API (root) opens and ends sessions; a new access token ends them all, since each
/// is bound to the token's fingerprint. Pairing codes are single-use files in a root-only folder, taken
/// by a rename so that two browsers presenting one code cannot both win.
/// </summary>
public sealed class OwnerSessions(IOptions<AuthOptions> options, D3kosRoot root, AccessToken token, TimeProvider time)
{
    public const string CookieName = "d3kos_session";

    /// <summary>The header the page sends with every change: a form posted from another site cannot.</summary>
    public const string RequestHeader = "X-D3kos-Request";

    private string SessionsFolder => root.Resolve(options.Value.SessionsFolder);

    private string PairingFolder => root.Resolve(options.Value.PairingFolder);

    /// <summary>The installer's token-hash file: the sessions get its group, which the export manager runs in.</summary>
    private string TokenHashFile => root.Resolve(options.Value.TokenFile.EndsWith(".sha256", StringComparison.Ordinal)
        ? options.Value.TokenFile
        : options.Value.TokenFile + ".sha256");

    public TimeSpan SessionLifetime => options.Value.SessionLifetime;

    /// <summary>False when no access token is configured: then nobody can be signed in.</summary>
    public bool TokenConfigured => token.ExpectedHash() is not null;

    /// <summary>True when the cookie names a live session opened under the current token.</summary>
    public bool IsValid(string? cookie) => Expiry(cookie) is not null;

    /// <summary>When the cookie's session ends, or null when it is not a live session under the current token.</summary>
    public DateTimeOffset? Expiry(string? cookie)
    {
        if (cookie is null || !IsWellFormed(cookie) || Fingerprint() is not { } current)
        {
            return null;
        }
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(SessionsFolder, HashHex(cookie)));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length != 2 || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }
        var expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
        // A session opened under an older token is over: rotating the token signs every browser out.
        return expires > time.GetUtcNow() && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(fields[1]), Encoding.ASCII.GetBytes(current))
            ? expires
            : null;
    }

    /// <summary>Opens a session; the caller has checked the token or taken a pairing code. Returns the cookie value.</summary>
    public (string Cookie, DateTimeOffset Expires) Open()
    {
        var fingerprint = Fingerprint() ?? throw new InvalidOperationException("No access token is configured.");
        var folder = EnsureFolder(SessionsFolder, shareWithTokenReaders: true);
        RemoveEnded(folder, fingerprint);
        var cookie = Base64Url(RandomNumberGenerator.GetBytes(32));
        var expires = time.GetUtcNow().Add(SessionLifetime);
        var content = $"{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)} {fingerprint}\n";
        var path = Path.Combine(folder, HashHex(cookie));
        AtomicFile.Write(path, stream => stream.Write(Encoding.ASCII.GetBytes(content)), AtomicFile.Private);
        ShareWithTokenReaders(path);
        return (cookie, expires);
    }

    /// <summary>Ends the cookie's session (sign out); nothing when there is none.</summary>
    public void End(string? cookie)
    {
        if (cookie is not null && IsWellFormed(cookie))
        {
            AtomicFile.TryDelete(Path.Combine(SessionsFolder, HashHex(cookie)));
        }
    }

    /// <summary>A one-time code for a pairing link, valid for <see cref="AuthOptions.PairingLifetime"/>.</summary>
    public (string Code, DateTimeOffset Expires) NewPairingCode()
    {
        if (Fingerprint() is null)
        {
            throw new InvalidOperationException("No access token is configured, so nobody can be signed in.");
        }
        var folder = EnsureFolder(PairingFolder, shareWithTokenReaders: false);
        var now = time.GetUtcNow();
        foreach (var file in Directory.EnumerateFiles(folder).Where(file => ReadExpiry(file) is not { } ends || ends <= now))
        {
            AtomicFile.TryDelete(file);
        }
        var code = Base64Url(RandomNumberGenerator.GetBytes(16));
        var expires = now.Add(options.Value.PairingLifetime);
        AtomicFile.Write(Path.Combine(folder, HashHex(code)),
            stream => stream.Write(Encoding.ASCII.GetBytes(expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\n")),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (code, expires);
    }

    /// <summary>Takes a pairing code: true once, for a code that exists and has not expired.</summary>
    public bool TakePairingCode(string? code)
    {
        if (code is null || !IsWellFormed(code))
        {
            return false;
        }
        var file = Path.Combine(PairingFolder, HashHex(code));
        var taken = file + "." + Guid.NewGuid().ToString("N") + ".taken";
        try
        {
            File.Move(file, taken); // one rename wins; a second browser with the same code finds nothing
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        var expires = ReadExpiry(taken);
        AtomicFile.TryDelete(taken);
        return expires > time.GetUtcNow();
    }

    private string? Fingerprint() =>
        token.ExpectedHash() is { } hash ? Convert.ToHexStringLower(SHA256.HashData([.. "d3kos-session:"u8, .. hash])[..16]) : null;

    private static DateTimeOffset? ReadExpiry(string file)
    {
        try
        {
            return long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Ended sessions and those of an older token are removed as new ones open, so the folder stays small.</summary>
    private void RemoveEnded(string folder, string fingerprint)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            string[] fields;
            try
            {
                fields = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
            catch (IOException)
            {
                continue;
            }
            if (fields.Length != 2 || fields[1] != fingerprint || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ends) || ends <= now)
            {
                AtomicFile.TryDelete(file);
            }
        }
    }

    /// <summary>
    /// The folder, made closed to others: sessions readable by the token-hash file's group (the export
    /// manager checks them), pairing codes root's alone.
    /// </summary>
    private string EnsureFolder(string folder, bool shareWithTokenReaders)
    {
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (shareWithTokenReaders)
        {
            mode |= UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        }
        Directory.CreateDirectory(folder, mode);
        File.SetUnixFileMode(folder, mode);
        if (shareWithTokenReaders)
        {
            ShareWithTokenReaders(folder);
        }
        return folder;
    }

    private void ShareWithTokenReaders(string path)
    {
        if (LibC.TryStat(TokenHashFile, out var hashFile) && LibC.EffectiveUserId() == 0)
        {
            LibC.SetOwner(path, 0, hashFile.Gid);
        }
    }

    /// <summary>Base64url of 16 or 32 bytes: the only cookie or code ever looked up, so a path can never be built from anything else.</summary>
    private static bool IsWellFormed(string value) =>
        value.Length is 22 or 43 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string HashHex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(value)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
