using System.Globalization;

namespace D3kos.BackupCli;

internal static class HumanSize
{
    /// <summary>Like "du -h": 35M, 1.2G, 512K.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["", "K", "M", "G", "T"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        var format = unit > 0 && value < 10 ? "0.0" : "0";
        return value.ToString(format, CultureInfo.InvariantCulture) + units[unit];
    }
}
