using System.Net.Http.Json;
using System.Text.Json;

namespace D3kos.Backup.Tests;

internal static class Json
{
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    public static async Task<JsonElement> OkJsonAsync(this Task<HttpResponseMessage> request)
    {
        using var response = await request;
        Assert.True(response.IsSuccessStatusCode, $"answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ReadJsonAsync();
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, int status, string? errorContains = null)
    {
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ReadJsonAsync();
        Assert.False(body.GetProperty("success").GetBoolean());
        var error = body.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(error));
        if (errorContains is not null)
        {
            Assert.Contains(errorContains, error, StringComparison.Ordinal);
        }
    }
}
