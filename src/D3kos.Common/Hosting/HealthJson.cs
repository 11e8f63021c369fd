using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace D3kos.Common.Hosting;

/// <summary>
/// /health through ASP.NET Core's health checks, answered in the JSON the d3kOS dashboard reads:
/// <c>{"status":"healthy","service":…,"checks":{name:{"status","description"}}}</c>, each check's data as
/// top-level members too (e.g. <c>worker_running</c>). 200 when healthy, 503 otherwise; open to anyone
/// (it says nothing secret), GET and HEAD. Written with Utf8JsonWriter: no reflection, AOT-clean.
/// </summary>
public static class HealthJson
{
    public static IEndpointConventionBuilder MapD3kosHealth(this IEndpointRouteBuilder app, string service) =>
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = (context, report) => WriteAsync(context, report, service) })
            .WithMetadata(new HttpMethodMetadata(GetAndHead.Methods))
            .AllowAnonymous();

    private static async Task WriteAsync(HttpContext context, HealthReport report, string service)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", Name(report.Status));
        json.WriteString("service", service);
        foreach (var entry in report.Entries.Values)
        {
            foreach (var (key, value) in entry.Data)
            {
                if (value is bool flag)
                {
                    json.WriteBoolean(key, flag);
                }
                else
                {
                    json.WriteString(key, value.ToString());
                }
            }
        }
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", Name(entry.Status));
            json.WriteString("description", entry.Description);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
