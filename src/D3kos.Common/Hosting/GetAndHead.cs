namespace D3kos.Common.Hosting;

/// <summary>
/// Every GET endpoint answers HEAD too (RFC 9110 9.3.2): the same status and headers, no body, which
/// Kestrel leaves out for HEAD. Minimal APIs map GET alone, so a HEAD (a download manager checking a
/// backup's size) would otherwise get 405. Used as <c>MapMethods(pattern, GetAndHead.Methods, handler)</c>
/// at each call site: the AOT request-delegate generator only sees handlers passed to Map* directly.
/// </summary>
public static class GetAndHead
{
    public static readonly string[] Methods = ["GET", "HEAD"];
}
