using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using D3kos.Common.Files;
using D3kos.Common.Interop;
using Microsoft.Extensions.Options;
using static D3kos.Common.Security.SessionSecrets;

namespace D3kos.Common.Security;

/// <summary>
/// The browser's signed-in sessions and the one-time pairing codes that start them. A session has two
/// random 256-bit secrets, and every request must show both:
/// <list type="bullet">
/// <item>the cookie (HttpOnly, so no script on the page can read it);</item>
/// <item>the page key, which the page keeps in its origin's storage and sends as the
/// <see cref="RequestHeader"/> header (or, for a download link, as <c>?key=</c>). Each service has its own
/// key, and the page sends each only to its service: the export manager runs as d3kos, so whatever it
/// receives a d3kos process might see, and it must never hold the key to the root backup API.</item>
/// </list>
/// A browser sends cookies to every port of the helm's address: Signal K's and Node-RED's pages, where
/// a plugin running as d3kos could read them. The cookie alone therefore opens nothing. A form posted by
/// another site carries the cookie too, but neither the key nor a header.
/// <para>
/// The Pi keeps only hashes: a file named by the cookie's SHA-256 in <c>sessions/</c>, holding the expiry,
/// a fingerprint of the access token it was opened under, and the key's hash. Why not ASP.NET Core's
/// cookie authentication with a Data Protection key ring: the export manager must accept the session
/// too, and it runs as the d3kos user that Signal K's plugins share. A key ring it can read would let
/// any of them mint an owner's session for the root backup API; hashes let it check one, not make one.
/// </para>
/// Only the backup API (root) opens and ends sessions; a new access token ends them all. Pairing codes
/// are single-use files in a root-only folder, taken by a rename so two browsers cannot both win.
/// </summary>
public sealed class OwnerSessions(IOptions<AuthOptions> options, D3kosRoot root, AccessToken token, TimeProvider time, SessionScope scope)
{
    /// <summary>
    /// At most this many distinct session cookies of one request are tried. Chromium and Firefox keep at
    /// most 180 cookies for one host, so a browser never carries more and cookies planted by another port
    /// can never push the real one out; each try is a hash and a set lookup, and only a stored name is read.
    /// </summary>
    public const int MaxCookiesTried = 200;

    /// <summary>The header that carries the page key: a form posted from another site cannot send one.</summary>
    public const string RequestHeader = "X-D3kos-Request";

    /// <summary>The page key in a download link's query (GET and HEAD only: a link can never change anything).</summary>
    public const string KeyQuery = "key";

    private string SessionsFolder => root.Resolve(AuthOptions.SessionsFolder);

    private string PairingFolder => root.Resolve(AuthOptions.PairingFolder);

    /// <summary>The installer's token-hash file: the sessions get its group, which the export manager runs in.</summary>
    private string TokenHashFile => root.Resolve(options.Value.TokenFile.EndsWith(".sha256", StringComparison.Ordinal)
        ? options.Value.TokenFile
        : options.Value.TokenFile + ".sha256");

    /// <summary>False when no access token is configured: then nobody can be signed in.</summary>
    public bool TokenConfigured => token.ExpectedHash() is not null;

    /// <summary>
    /// When the session ends, or null unless one of <paramref name="cookies"/> names a live session opened
    /// under the current token and <paramref name="pageKey"/> is its key. The key selects the session, not
    /// the cookies' order: over http a page on another port can plant many cookies of the same name, with
    /// longer paths so the browser sends them first, and a request with the real one among them passes.
    /// </summary>
    public DateTimeOffset? Expiry(IEnumerable<string> cookies, string? pageKey)
    {
        if (pageKey is null || !IsSecret(pageKey) || Fingerprint() is not { } current)
        {
            return null;
        }
        return Find(cookies, pageKey, current) is { } session ? session.Expires : null;
    }

    private StoredSession? Find(IEnumerable<string> cookies, string pageKey, string fingerprint)
    {
        var stored = StoredNames();
        foreach (var cookie in cookies.Where(IsSecret).Distinct(StringComparer.Ordinal).Take(MaxCookiesTried))
        {
            var name = HashHex(cookie);
            if (stored.Contains(name) && Read(Path.Combine(SessionsFolder, name)) is { } session && session.Expires > time.GetUtcNow()
                && Same(session.Fingerprint, fingerprint) && Same(session.KeyHash(scope.Service), HashHex(pageKey)))
            {
                return session with { Cookie = cookie };
            }
        }
        return null;
    }

    /// <summary>The sessions' file names: one listing, so a planted cookie costs no file read.</summary>
    private HashSet<string> StoredNames()
    {
        try
        {
            return Directory.EnumerateFiles(SessionsFolder).Where(IsStoredName).Select(file => Path.GetFileName(file)).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return []; // no folder yet (nobody signed in), or not readable: no session
        }
    }

    /// <summary>Opens a session; the caller has checked the token or taken a pairing code.</summary>
    public OpenedSession Open()
    {
        var fingerprint = Fingerprint() ?? throw new InvalidOperationException("No access token is configured.");
        var folder = EnsureFolder(SessionsFolder, shareWithTokenReaders: true);
        RemoveEnded(folder, fingerprint);
        var cookie = Base64Url(RandomNumberGenerator.GetBytes(32));
        var backupKey = Base64Url(RandomNumberGenerator.GetBytes(32));
        var exportKey = Base64Url(RandomNumberGenerator.GetBytes(32));
        var expires = time.GetUtcNow().Add(options.Value.SessionLifetime);
        var content = $"{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)} {fingerprint} {HashHex(backupKey)} {HashHex(exportKey)}\n";
        var path = Path.Combine(folder, HashHex(cookie));
        AtomicFile.Write(path, stream => stream.Write(Encoding.ASCII.GetBytes(content)), AtomicFile.Private);
        ShareWithTokenReaders(path);
        return new OpenedSession(cookie, backupKey, exportKey, expires);
    }

    /// <summary>
    /// Ends the session that the cookies and this service's key show (sign out). A cookie without its key
    /// ends nothing: a page on another port that saw the cookie cannot sign the owner out.
    /// </summary>
    public bool End(IEnumerable<string> cookies, string? pageKey)
    {
        if (pageKey is null || !IsSecret(pageKey) || Fingerprint() is not { } current || Find(cookies, pageKey, current) is not { } session)
        {
            return false;
        }
        AtomicFile.TryDelete(Path.Combine(SessionsFolder, HashHex(session.Cookie!)));
        return true;
    }

    /// <summary>Ends every session: a lost phone, or a link paired by mistake.</summary>
    public int EndAll()
    {
        if (!Directory.Exists(SessionsFolder))
        {
            return 0;
        }
        var ended = 0;
        foreach (var file in Directory.EnumerateFiles(SessionsFolder).Where(IsStoredName))
        {
            AtomicFile.TryDelete(file);
            ended++;
        }
        return ended;
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
        foreach (var file in Directory.EnumerateFiles(folder).Where(IsStoredName).Where(file => ReadExpiry(file) is not { } ends || ends <= now))
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
        if (code is null || !IsCode(code))
        {
            return false;
        }
        var file = Path.Combine(PairingFolder, HashHex(code));
        var taken = Path.Combine(PairingFolder, $".{HashHex(code)}.{Guid.NewGuid():N}.taken");
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

    private sealed record StoredSession(DateTimeOffset Expires, string Fingerprint, string BackupKeyHash, string ExportKeyHash, string? Cookie = null)
    {
        public string KeyHash(SessionService service) => service == SessionService.Backup ? BackupKeyHash : ExportKeyHash;
    }

    private static StoredSession? Read(string file)
    {
        string[] fields;
        try
        {
            fields = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // gone (signed out meanwhile), or not readable: no session
        }
        return fields.Length == 4 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? new StoredSession(DateTimeOffset.FromUnixTimeSeconds(seconds), fields[1], fields[2], fields[3])
            : null;
    }

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

    /// <summary>
    /// Ended sessions and those of an older token are removed as new ones open, so the folder stays small.
    /// Only stored names (64 hex digits) are looked at: a writer's temporary file is never removed under it.
    /// </summary>
    private void RemoveEnded(string folder, string fingerprint)
    {
        var now = time.GetUtcNow();
        foreach (var file in Directory.EnumerateFiles(folder).Where(IsStoredName))
        {
            if (Read(file) is not { } session || session.Fingerprint != fingerprint || session.Expires <= now)
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
        PiStateFolder.EnsureParentOf(folder); // only the leaf gets the mode
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
        if (ServicesGroupId is { } gid && ProcessIdentity.EffectiveUserId() == 0)
        {
            UnixFile.SetOwner(path, 0, gid);
        }
    }

    /// <summary>The group the services run as (d3kos): the token-hash file's, which the installer makes root:d3kos.</summary>
    public int? ServicesGroupId => FileStat.TryLstat(TokenHashFile, out var hashFile) ? hashFile.Gid : null;
}
