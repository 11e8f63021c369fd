using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace D3kos.Testing;

/// <summary>
/// Signal K's WebSocket stream as a display reads it (KIP, Freeboard-SK), subscribed to notifications.d3kos.*:
/// every update the server sends for those paths, in order, so a test can count what was raised and cleared.
/// </summary>
public sealed class SignalKStream : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;

    private SignalKStream()
    {
    }

    /// <summary>Each update received: the path below notifications.d3kos and the state it carried.</summary>
    public ConcurrentQueue<(string Path, string State)> Updates { get; } = new();

    public static async Task<SignalKStream> OpenAsync(string url)
    {
        var stream = new SignalKStream();
        await stream._socket.ConnectAsync(new Uri($"{url.Replace("http://", "ws://", StringComparison.Ordinal)}/signalk/v1/stream?subscribe=none"), CancellationToken.None);
        var subscribe = """{"context":"vessels.self","subscribe":[{"path":"notifications.d3kos.*","policy":"instant"}]}""";
        await stream._socket.SendAsync(Encoding.UTF8.GetBytes(subscribe), WebSocketMessageType.Text, true, CancellationToken.None);
        stream._reading = stream.ReadAsync();
        return stream;
    }

    /// <summary>The updates for one path, in order.</summary>
    public IReadOnlyList<string> StatesOf(string path) => [.. Updates.Where(u => u.Path == path).Select(u => u.State)];

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage)
                {
                    continue;
                }
                Collect(message.ToArray());
                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closed by the test, or the server went away.
        }
    }

    private void Collect(byte[] text)
    {
        using var json = JsonDocument.Parse(text);
        if (!json.RootElement.TryGetProperty("updates", out var updates))
        {
            return;
        }
        foreach (var update in updates.EnumerateArray())
        {
            if (!update.TryGetProperty("values", out var values))
            {
                continue;
            }
            foreach (var value in values.EnumerateArray())
            {
                var path = value.GetProperty("path").GetString() ?? "";
                if (path.StartsWith("notifications.d3kos.", StringComparison.Ordinal) && value.TryGetProperty("value", out var v)
                    && v.ValueKind == JsonValueKind.Object && v.TryGetProperty("state", out var state))
                {
                    Updates.Enqueue((path["notifications.d3kos.".Length..], state.GetString() ?? ""));
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _socket.Abort();
        _socket.Dispose();
        _stop.Dispose();
    }
}
