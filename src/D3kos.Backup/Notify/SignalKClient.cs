using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace D3kos.Backup;

/// <summary>A notification as the Signal K server holds it under notifications.d3kos.</summary>
/// <param name="Id">The v2 Notifications API's id, to update or clear it.</param>
internal sealed record SignalKNotification(string Path, string State, string? Message, string? Id);

/// <summary>What Signal K answered to an access request or to a look at one.</summary>
internal sealed record AccessAnswer(string State, string? Href, string? Permission, string? Token);

/// <summary>
/// The calls to a Signal K server, as its own API documents them: the device access request, the REST tree
/// under notifications.d3kos (read back), and the v2 Notifications API (raise, update, clear). A server that
/// cannot be reached, or answers 5xx, throws <see cref="HttpRequestException"/>; the link says so.
/// </summary>
internal sealed class SignalKClient(HttpClient http, Uri server)
{
    private const string NotificationsApi = "signalk/v2/api/notifications";

    public string? Token { get; set; }

    /// <summary>True when the server asks for a token to write (security on); false for a server without security.</summary>
    public async Task<bool> SecurityOnAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "skServer/loginStatus", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        using var json = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
        return json.RootElement.TryGetProperty("authenticationRequired", out var required) && required.ValueKind == JsonValueKind.True;
    }

    /// <summary>False when the server refuses the token (401/403), as it does after the owner removed the device or reset its security.</summary>
    public async Task<bool> TokenAcceptedAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "signalk/v1/api/vessels/self/notifications", null, cancellationToken).ConfigureAwait(false);
        return response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
    }

    public async Task<AccessAnswer> RequestAccessAsync(string clientId, string description, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["clientId"] = clientId, ["description"] = description, ["permissions"] = "readwrite" };
        using var response = await SendAsync(HttpMethod.Post, "signalk/v1/access/requests", body, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            // "has already requested access": the request made before is still waiting for the owner.
            return new AccessAnswer("PENDING", null, null, null);
        }
        return Access(await ReadAsync(response, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The state of an earlier request; null when the server no longer knows it (it was restarted).</summary>
    public async Task<AccessAnswer?> LookAtRequestAsync(string href, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, href.TrimStart('/'), null, cancellationToken, allowServerError: true).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        return Access(await ReadAsync(response, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Every notification under notifications.d3kos, by its path below it ("copyFailed.usb").</summary>
    public async Task<Dictionary<string, SignalKNotification>> ReadAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "signalk/v1/api/vessels/self/notifications/d3kos", null, cancellationToken).ConfigureAwait(false);
        var found = new Dictionary<string, SignalKNotification>(StringComparer.Ordinal);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return found;
        }
        using var json = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
        Collect(json.RootElement, "", found);
        return found;
    }

    public async Task RaiseAsync(Condition condition, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["state"] = condition.Severity, ["message"] = condition.Text, ["path"] = $"d3kos.{condition.Id}" };
        using var response = await SendAsync(HttpMethod.Post, NotificationsApi, body, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>False when the server no longer holds that id (it forgets cleared ones after a minute or two).</summary>
    public async Task<bool> UpdateAsync(string id, Condition condition, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["state"] = condition.Severity, ["message"] = condition.Text };
        using var response = await SendAsync(HttpMethod.Put, $"{NotificationsApi}/{Uri.EscapeDataString(id)}", body, cancellationToken).ConfigureAwait(false);
        return await SucceededAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets it back to normal (Signal K's own clear: state normal, no sound, no visual).</summary>
    public async Task<bool> ClearAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"{NotificationsApi}/{Uri.EscapeDataString(id)}", null, cancellationToken).ConfigureAwait(false);
        return await SucceededAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the server has the v2 Notifications API (Signal K 2.x answers its list).</summary>
    public async Task<bool> HasNotificationsApiAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, NotificationsApi, null, cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    private static void Collect(JsonElement node, string path, Dictionary<string, SignalKNotification> found)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (node.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Object && value.TryGetProperty("state", out var state))
        {
            found[path] = new SignalKNotification(path, state.GetString() ?? "", Text(value, "message"), Text(value, "id"));
            return;
        }
        foreach (var child in node.EnumerateObject().Where(p => p.Name is not ("meta" or "$source" or "timestamp")))
        {
            Collect(child.Value, path.Length == 0 ? child.Name : $"{path}.{child.Name}", found);
        }
    }

    private static AccessAnswer Access(JsonDocument json)
    {
        using (json)
        {
            var root = json.RootElement;
            var request = root.TryGetProperty("accessRequest", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
            return new AccessAnswer(Text(root, "state") ?? "", Text(root, "href"),
                request.ValueKind == JsonValueKind.Object ? Text(request, "permission") : null,
                request.ValueKind == JsonValueKind.Object ? Text(request, "token") : null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, JsonObject? body, CancellationToken cancellationToken, bool allowServerError = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(server, relative));
        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode >= 500 && !allowServerError)
        {
            response.Dispose();
            throw new HttpRequestException($"Signal K answered {(int)response.StatusCode}.");
        }
        return response;
    }

    private async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            throw new HttpRequestException($"Signal K answered {(int)response.StatusCode} with something that is not JSON (is {server} a Signal K server?).");
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!await SucceededAsync(response, cancellationToken).ConfigureAwait(false))
        {
            throw new HttpRequestException($"Signal K refused the notification ({(int)response.StatusCode}).");
        }
    }

    /// <summary>Signal K's own API answers some refusals 200 with state FAILED or a notFound body: both count as refused.</summary>
    private static async Task<bool> SucceededAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            return false;
        }
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return !text.Contains("\"FAILED\"", StringComparison.Ordinal);
    }
}
