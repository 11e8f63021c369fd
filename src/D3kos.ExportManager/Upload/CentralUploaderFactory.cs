using D3kos.Common.Files;
using D3kos.Common.Licensing;
using Microsoft.Extensions.Options;

namespace D3kos.ExportManager.Upload;

/// <summary>Chooses the delivery from Central:Url: http(s) posts, file:// copies under the root.</summary>
public static class CentralUploaderFactory
{
    public static ICentralUploader Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<CentralOptions>>().Value;
        var root = services.GetRequiredService<D3kosRoot>();
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var target))
        {
            throw new OptionsValidationException(CentralOptions.Section, typeof(CentralOptions), [$"Central:Url '{options.Url}' is not an absolute URL"]);
        }
        return target.Scheme switch
        {
            "file" => new FileDropUploader(root.Resolve(Uri.UnescapeDataString(target.AbsolutePath))),
            "http" or "https" => new HttpCentralUploader(
                new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan },
                target,
                options,
                services.GetRequiredService<LicenseReader>()),
            _ => throw new OptionsValidationException(CentralOptions.Section, typeof(CentralOptions), [$"Central:Url scheme '{target.Scheme}' is not http, https or file"]),
        };
    }
}
