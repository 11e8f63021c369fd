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

    public static Task AssertProblemAsync(HttpResponseMessage response, int status, string? errorContains = null) =>
        D3kos.Testing.ProblemAssert.IsProblemAsync(response, status, errorContains);
}
