using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace D3kos.Testing;

/// <summary>How the fake central endpoint answers one request.</summary>
public enum CentralBehaviour
{
    Ok,
    ServiceUnavailable,
    BadRequest,
    Hang,
    DropConnection,

    /// <summary>Reads part of the body, then resets the connection.</summary>
    DropMidBody,
}

/// <summary>What the central endpoint received.</summary>
public sealed record ReceivedUpload(
    string? IdempotencyKey, string? Authorization, string? InstallationId, string? ContentType, string? ContentEncoding,
    byte[] Body, string BodySha256, CentralBehaviour AnsweredWith);

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for the fleet's central endpoint. Each request takes
/// the next scripted behaviour; when the script is used up it answers with the default.
/// </summary>
public sealed class LoopbackCentral : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<CentralBehaviour> _script = new();

    private LoopbackCentral(WebApplication app) => _app = app;

    public CentralBehaviour Default { get; set; } = CentralBehaviour.Ok;

    public ConcurrentQueue<ReceivedUpload> Received { get; } = new();

    public Uri Url { get; private set; } = null!;

    public static async Task<LoopbackCentral> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var central = new LoopbackCentral(app);
        app.MapPost("/api/exports", central.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        central.Url = new Uri(address + "/api/exports");
        return central;
    }

    public void Script(params CentralBehaviour[] behaviours)
    {
        foreach (var behaviour in behaviours)
        {
            _script.Enqueue(behaviour);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var behaviour = _script.TryDequeue(out var next) ? next : Default;
        using var body = new MemoryStream();
        if (behaviour == CentralBehaviour.DropMidBody)
        {
            var part = new byte[16];
            _ = await context.Request.Body.ReadAsync(part, context.RequestAborted);
            body.Write(part);
        }
        else
        {
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        }
        var headers = context.Request.Headers;
        Received.Enqueue(new ReceivedUpload(
            headers["Idempotency-Key"].FirstOrDefault(),
            headers.Authorization.FirstOrDefault(),
            headers["X-D3kos-Installation-Id"].FirstOrDefault(),
            context.Request.ContentType,
            headers.ContentEncoding.FirstOrDefault(),
            body.ToArray(),
            Convert.ToHexStringLower(SHA256.HashData(body.ToArray())),
            behaviour));
        switch (behaviour)
        {
            case CentralBehaviour.Ok:
                context.Response.StatusCode = 200;
                break;
            case CentralBehaviour.ServiceUnavailable:
                context.Response.StatusCode = 503;
                break;
            case CentralBehaviour.BadRequest:
                context.Response.StatusCode = 400;
                break;
            case CentralBehaviour.Hang:
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case CentralBehaviour.DropConnection or CentralBehaviour.DropMidBody:
                context.Abort();
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
