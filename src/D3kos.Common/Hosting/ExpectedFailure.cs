using D3kos.Common.Files;
using Microsoft.AspNetCore.Http;

namespace D3kos.Common.Hosting;

/// <summary>
/// An exception a service throws on purpose, whose message is written for people, with the status it
/// answers with (null: not this kind). The one exception handler (<see cref="ExceptionProblems"/>) maps
/// every registered kind, so no endpoint catches them itself.
/// </summary>
public sealed record ExpectedFailure(Func<Exception, int?> StatusOf)
{
    /// <summary>
    /// The status and sentence a failure is answered with, the one rule for the exception handler and for a
    /// job that fails after its request was answered: a service's own failures and a bad request keep their
    /// status and message, a full disk is 507, anything else a 500 that points at the log.
    /// </summary>
    public static (int Status, string Error, bool Expected) Describe(IEnumerable<ExpectedFailure> expected, Exception exception)
    {
        var known = expected.Select(e => e.StatusOf(exception)).FirstOrDefault(s => s is not null);
        return exception switch
        {
            _ when known is { } knownStatus => (knownStatus, exception.Message, true),
            BadHttpRequestException bad => (bad.StatusCode, bad.Message, false),
            _ when AtomicFile.IsDiskFull(exception) => (StatusCodes.Status507InsufficientStorage, "The disk is full: nothing was saved. Free some space and try again.", false),
            _ => (StatusCodes.Status500InternalServerError, "Internal error: nothing was changed by this request; see the service log.", false),
        };
    }
}
