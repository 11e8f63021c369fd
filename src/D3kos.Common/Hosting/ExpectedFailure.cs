namespace D3kos.Common.Hosting;

/// <summary>
/// An exception a service throws on purpose, whose message is written for people, with the status it
/// answers with (null: not this kind). The one exception handler (<see cref="ExceptionProblems"/>) maps
/// every registered kind, so no endpoint catches them itself.
/// </summary>
public sealed record ExpectedFailure(Func<Exception, int?> StatusOf);
