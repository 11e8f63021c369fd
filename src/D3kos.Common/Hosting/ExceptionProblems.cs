using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace D3kos.Common.Hosting;

/// <summary>
/// Turns what escapes a handler into a problem answer that says what happened: a service's own failures
/// (<see cref="ExpectedFailure"/>) and a bad request keep their status and message, a full disk is 507,
/// anything else is a 500 that points at the log.
/// </summary>
internal sealed partial class ExceptionProblems(
    IProblemDetailsService problems, IEnumerable<ExpectedFailure> expected, ILogger<ExceptionProblems> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, error, known) = ExpectedFailure.Describe(expected, exception);
        if (known && status >= 500)
        {
            // Expected, with a sentence that says it all; the cause it wraps, if any, keeps its stack trace.
            LogExpected(logger, httpContext.Request.Method, httpContext.Request.Path, status, exception.Message, exception.InnerException);
        }
        else if (status >= 500)
        {
            LogUnhandled(logger, httpContext.Request.Method, httpContext.Request.Path, exception);
        }
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = error, Extensions = { ["success"] = false, ["error"] = error } },
        });
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "Request {Method} {Path} answered {Status}: {Error}")]
    private static partial void LogExpected(ILogger logger, string method, string path, int status, string error, Exception? cause);

    [LoggerMessage(EventId = 900, Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
