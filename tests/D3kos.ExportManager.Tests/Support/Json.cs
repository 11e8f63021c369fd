using System.Net.Http.Json;
using System.Text.Json;

namespace D3kos.ExportManager.Tests;

internal static class Json
{
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        return document;
    }

    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string url)
    {
        using var response = await client.PostAsync(url, null);
        Assert.True(response.IsSuccessStatusCode, $"POST {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ReadJsonAsync();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ReadJsonAsync();
    }

    public static Task AssertProblemAsync(HttpResponseMessage response, int status, string? errorContains = null) =>
        D3kos.Testing.ProblemAssert.IsProblemAsync(response, status, errorContains);
}
