using System.Globalization;

namespace D3kos.Backup;

/// <summary>What the emails say: the same sentences as the page, with the boat's name first so a fleet operator knows who wrote.</summary>
internal static class EmailText
{
    public static (string Subject, string Body) Begun(Condition condition, string boat)
    {
        var label = condition.Severity switch { Condition.Alarm => "ALARM", Condition.Warn => "Warning", _ => "Note" };
        return ($"[{boat}] {label}: {condition.Message}",
            $"{condition.Message}\n\nWhat to do: {condition.WhatToDo}\n\n(d3kOS on {boat}, condition {condition.Id}. You will get one more message when it ends.)\n");
    }

    public static (string Subject, string Body) Ended(AnnouncedCondition condition, string boat, DateTimeOffset now) =>
        ($"[{boat}] Resolved: {condition.Message}",
            $"This is over: {condition.Message}\n\nIt began {condition.Since.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC and ended {now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.\n\n(d3kOS on {boat}, condition {condition.Id}.)\n");

    public static (string Subject, string Body) Test(string boat) =>
        ($"[{boat}] Test email from d3kOS", $"This is the test email you asked for: d3kOS on {boat} can send you email.\n");
}
