namespace D3kos.Backup;

/// <summary>
/// A problem that needs the owner, as the page, `status`, Signal K and email all show it. Nothing secret goes
/// into it: the sentences are the ones the status already shows the owner.
/// </summary>
/// <param name="Id">Stable, and the Signal K path under notifications.d3kos ("copyFailed.usb"): one per condition and target, so a display can silence each on its own.</param>
/// <param name="Severity">Signal K's state: <see cref="Alarm"/>, <see cref="Warn"/> or <see cref="Alert"/> (information, shown once).</param>
/// <param name="Message">What is wrong, in one sentence.</param>
/// <param name="WhatToDo">What the owner does about it, in one sentence.</param>
public sealed record Condition(string Id, string Severity, string Message, string WhatToDo)
{
    /// <summary>Data is at risk now: no recent backup exists, or a stored one is damaged.</summary>
    public const string Alarm = "alarm";

    /// <summary>One layer of protection is missing (a failed run, a copy that did not leave, a full card next time); the data is still there.</summary>
    public const string Warn = "warn";

    /// <summary>Something happened that the owner should know of, once (a restore finished at start).</summary>
    public const string Alert = "alert";

    /// <summary>The whole text for a display that shows one line: the problem, then what to do.</summary>
    public string Text => $"{Message} {WhatToDo}";
}
