using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace D3kos.Common.Hosting;

/// <summary>
/// RFC 9457 problem answers that also carry the <c>success: false</c> and <c>error</c> members the
/// existing d3kOS web UI reads.
/// </summary>
public static class ApiProblem
{
    public static ProblemHttpResult Create(int statusCode, string error, string? title = null) =>
        TypedResults.Problem(
            detail: error,
            statusCode: statusCode,
            title: title,
            extensions: new Dictionary<string, object?> { ["success"] = false, ["error"] = error });

    public static ProblemHttpResult BadRequest(string error) => Create(StatusCodes.Status400BadRequest, error);

    public static ProblemHttpResult NotFound(string error) => Create(StatusCodes.Status404NotFound, error);

    public static ProblemHttpResult Conflict(string error) => Create(StatusCodes.Status409Conflict, error);

    public static ProblemHttpResult Forbidden(string error) => Create(StatusCodes.Status403Forbidden, error);

    public static ProblemHttpResult InsufficientStorage(string error) => Create(StatusCodes.Status507InsufficientStorage, error);

    /// <summary>An address over the failed-attempt limit: 429, with Retry-After set on the response.</summary>
    public static ProblemHttpResult TooManyAttempts(HttpResponse response, TimeSpan wait)
    {
        response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status429TooManyRequests, "Too many failed attempts from this address; wait and try again.");
    }
}
