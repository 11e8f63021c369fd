using System.Globalization;
using System.Text.Json;

namespace D3kos.ExportManager.Exports;

/// <summary>The health figures a fleet operator wants with every export: uptime, memory, disk.</summary>
public static class Telemetry
{
    public static void Write(Utf8JsonWriter writer, string dataFolder)
    {
        writer.WriteStartObject("telemetry");
        writer.WriteString("category", "telemetry");
        if (ReadProcNumber("/proc/uptime") is { } uptime)
        {
            writer.WriteNumber("uptime_seconds", uptime);
        }
        writer.WriteStartObject("memory");
        var memInfo = ReadMemInfo();
        if (memInfo.TryGetValue("MemTotal", out var total))
        {
            writer.WriteNumber("total_bytes", total);
        }
        if (memInfo.TryGetValue("MemAvailable", out var available))
        {
            writer.WriteNumber("available_bytes", available);
        }
        writer.WriteNumber("service_rss_bytes", Environment.WorkingSet);
        writer.WriteEndObject();
        writer.WriteStartObject("disk");
        writer.WriteNumber("data_folder_bytes", FolderSize(dataFolder));
        if (Directory.Exists(dataFolder))
        {
            var drive = new DriveInfo(dataFolder);
            writer.WriteNumber("free_bytes", drive.AvailableFreeSpace);
            writer.WriteNumber("total_bytes", drive.TotalSize);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static long FolderSize(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        return new DirectoryInfo(folder).EnumerateFiles("*", options).Sum(f => f.Length);
    }

    private static double? ReadProcNumber(string path)
    {
        try
        {
            var first = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static Dictionary<string, long> ReadMemInfo()
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                var parts = line.Split(':', 2);
                var number = parts.Length == 2 ? parts[1].Trim().Split(' ')[0] : "";
                if (long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib))
                {
                    values[parts[0]] = kib * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return values;
    }
}
