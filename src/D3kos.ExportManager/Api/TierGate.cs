using D3kos.Common.Hosting;
using D3kos.Common.Licensing;

namespace D3kos.ExportManager.Api;

/// <summary>Exports are a tier 1+ feature; the license is read on every call so an upgrade applies at once.</summary>
internal static class TierGate
{
    public static string? Refusal(LicenseState license) =>
        !license.IsUsable ? license.Error
        : license.Tier < 1 ? $"Tier {license.Tier} does not have export capability"
        : null;

    public static RouteHandlerBuilder RequireExportTier(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var license = context.HttpContext.RequestServices.GetRequiredService<LicenseReader>().Read();
            return Refusal(license) is { } error ? ApiProblem.Forbidden(error) : await next(context);
        });
}
