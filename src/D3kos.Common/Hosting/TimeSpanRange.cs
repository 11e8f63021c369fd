namespace D3kos.Common.Hosting;

/// <summary>Why a <c>[Range(typeof(TimeSpan), …)]</c> on an options property is safe under Native AOT.</summary>
public static class TimeSpanRange
{
    /// <summary>
    /// The trimming analyzer flags RangeAttribute's (Type, string, string) constructor, whose own checks use a
    /// TypeConverter. Nothing calls them here: the [OptionsValidator] source generator emits its own TimeSpan
    /// comparison from the attribute's arguments at build time (dotnet/runtime#94798).
    /// </summary>
    public const string Checked = "Checked by [OptionsValidator]-generated code, which compares TimeSpans itself and never runs the attribute's TypeConverter.";
}
