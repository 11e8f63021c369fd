using D3kos.Common.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace D3kos.Common.Security;

/// <summary>
/// Access control on ASP.NET Core's authentication and authorization: every endpoint is the owner's
/// (the fallback policy) unless it says <c>AllowAnonymous</c>, so an endpoint added later is protected
/// unless someone decides otherwise. Authorization runs before the endpoint binds its parameters: a
/// guest's request body is never read, let alone parsed, and every body is capped small unless its
/// endpoint raises the cap (the upload).
/// </summary>
public static class OwnerAccess
{
    /// <summary>The largest body any endpoint reads unless it says otherwise; a restore request is under 1 KB.</summary>
    public const long SmallBodyLimit = 64 * 1024;

    public static IServiceCollection AddOwnerAccess(this IServiceCollection services)
    {
        // Without a default scheme, authentication runs only when authorization asks for it, after
        // UseNginxForwarding (see ProcessSettings): refused at start rather than counting every failure
        // against nginx's loopback address. UseOwnerAccess places UseAuthentication itself, after that too.
        if (!AppContext.TryGetSwitch(ProcessSettings.SuppressAutoDefaultSchemeSwitch, out var suppressed) || !suppressed)
        {
            throw new InvalidOperationException($"Call {nameof(ProcessSettings)}.{nameof(ProcessSettings.SuppressAutoDefaultAuthenticationScheme)}() at the program's start, before AddOwnerAccess.");
        }
        // The authentication core, not AddAuthentication(): that also brings Data Protection, which writes a
        // key ring under $HOME/.aspnet at every start, and nothing here protects data with it (a session is
        // OwnerSessions' own file, the token a hash).
        services.AddAuthenticationCore(options => options.AddScheme<TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null));
        services.AddWebEncoders();
        services.AddTransient<TokenAuthenticationHandler>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(TokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RouteEndpointsOnly>();
        return services;
    }

    /// <summary>After the forwarded address is known (the failure limiter counts per client), before any endpoint.</summary>
    public static IApplicationBuilder UseOwnerAccess(this IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = SmallBodyLimit;
            }
            return next(context);
        });
        // Called here, after the forwarded address is known: otherwise WebApplication puts authentication at
        // the very start of the pipeline by itself, where every client is nginx's loopback address.
        app.UseAuthentication();
        return app.UseAuthorization();
    }

    /// <summary>
    /// The fallback policy also covers requests that match no endpoint (an unknown path) and the framework's
    /// "405 method not allowed" endpoint: those go on to their 404 or 405, unchecked and uncounted, instead
    /// of a 401 that would count a guest's typo as a failed attempt.
    /// </summary>
    private sealed class RouteEndpointsOnly : IAuthorizationMiddlewareResultHandler
    {
        private readonly Microsoft.AspNetCore.Authorization.Policy.AuthorizationMiddlewareResultHandler _default = new();

        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, Microsoft.AspNetCore.Authorization.Policy.PolicyAuthorizationResult authorizeResult) =>
            context.GetEndpoint() is Microsoft.AspNetCore.Routing.RouteEndpoint
                ? _default.HandleAsync(next, context, policy, authorizeResult)
                : next(context);
    }
}
