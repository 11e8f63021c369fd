using System.Diagnostics;
using D3kos.Common.Files;
using D3kos.Common.Licensing;
using D3kos.Common.Storage;
using Microsoft.Extensions.Options;

namespace D3kos.ExportManager.Upload;

/// <summary>Chooses the delivery from Central:Url: http(s) posts, file:// copies under the root, s3:// puts objects in a bucket.</summary>
public static class CentralUploaderFactory
{
    public static ICentralUploader Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<CentralOptions>>().Value;
        var root = services.GetRequiredService<D3kosRoot>();
        // Validated at start (CentralOptions.Validate): an invalid address never gets this far.
        var target = options.Target ?? throw new OptionsValidationException(CentralOptions.Section, typeof(CentralOptions), [$"Central:Url '{options.Url}' is not a delivery address"]);
        return target.Scheme switch
        {
            "file" => new FileDropUploader(root.Resolve(Uri.UnescapeDataString(target.AbsolutePath))),
            "http" or "https" => new HttpCentralUploader(
                new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan },
                target,
                options,
                services.GetRequiredService<LicenseReader>()),
            CentralOptions.S3Scheme => new S3CentralUploader(
                S3Connection.Client(options.Endpoint, options.Region, options.PathStyle, options.AccessKey,
                    CentralSecret.Read(root.Resolve(options.SecretKeyFile), "Central:SecretKeyFile"), options.Timeout),
                options,
                services.GetRequiredService<LicenseReader>()),
            _ => throw new UnreachableException($"CentralOptions.Target admitted the scheme {target.Scheme}."),
        };
    }
}
