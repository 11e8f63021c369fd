namespace D3kos.Common.Security;

/// <summary>
/// Where the owner's page lives on the helm's nginx, and the link that pairs a browser with it. The code
/// travels after '#': browsers never send that part, so it stays out of nginx's access log and of any Referer.
/// </summary>
public static class PairingLink
{
    public const string PagePath = "/d3kos/";

    public static string PathFor(string code) => $"{PagePath}#pair={code}";
}
