using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace D3kos.Testing;

/// <summary>The error shape both services promise: RFC 9457 problem JSON with success: false and a sentence in error.</summary>
public static class ProblemAssert
{
    public static async Task IsProblemAsync(HttpResponseMessage response, int status, string? errorContains = null)
    {
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("success").GetBoolean());
        var error = body.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(error));
        if (errorContains is not null)
        {
            Assert.Contains(errorContains, error, StringComparison.Ordinal);
        }
    }
}
