using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using D3kos.Common.Licensing;

namespace D3kos.ExportManager.Exports;

/// <summary>The data an export is made of cannot be read; nothing was written or queued.</summary>
public sealed class ExportSourceException(string message) : Exception(message);

/// <summary>A built export file, ready to queue; <paramref name="Warnings"/> names each category that could not be read.</summary>
public sealed record BuiltExport(string ExportId, WrittenExport File, int Count, IReadOnlyList<string> Warnings);

/// <summary>Builds the export files that the queue uploads: the full export and the boat-log snapshot.</summary>
public sealed class ExportBuilder(ExportPaths paths, LicenseReader license, TimeProvider time)
{
    public const int FullExportCategoryCount = 6;

    /// <summary>What the last full export could not read (empty when it read everything), for /export/status.</summary>
    public IReadOnlyList<string> LastWarnings { get; private set; } = [];

    public BuiltExport BuildFull()
    {
        var (exportId, now) = NewExportId("export");
        var warnings = new List<string>();
        var file = ExportFileWriter.Write(paths.ExportFiles, exportId, writer =>
        {
            WriteHeader(writer, now, "full_export");
            using var licenseFile = JsonSource.Read(license.FilePath);
            using var preferences = JsonSource.Read(paths.UserPreferences);
            using var onboarding = JsonSource.Read(paths.Onboarding);

            // A category that cannot be read keeps its error in the file and is named in the answer:
            // an export missing the season's log is never a silent success.
            warnings.AddRange(new[]
            {
                CategoryWriter.WriteList(writer, "boatlog", CategoryWriter.SqliteTable(paths.BoatlogDatabase, "boatlog_entries", "timestamp")).Error,
                CategoryWriter.WriteList(writer, "marine_vision_captures", CategoryWriter.SqliteTable(paths.CapturesDatabase, "captures", "timestamp")).Error,
                CategoryWriter.WriteList(writer, "maintenance_log", CategoryWriter.JsonArrayFile(paths.MaintenanceLog)).Error,
                licenseFile.Error, preferences.Error, onboarding.Error,
            }.OfType<string>());

            // Settings carry the license and the owner's preferences; api-keys.json and
            // cloud-credentials.json are never read, and every secret-named member, at any depth and
            // in every configuration file (onboarding's Wi-Fi password too), is redacted.
            writer.WriteStartObject("settings");
            writer.WriteString("category", "settings");
            licenseFile.WriteValue(writer, "license");
            preferences.WriteValue(writer, "user_preferences");
            CategoryWriter.WriteNoteAndError(writer, Join(licenseFile.Note, preferences.Note), Join(licenseFile.Error, preferences.Error));
            writer.WriteEndObject();

            writer.WriteStartObject("onboarding");
            writer.WriteString("category", "onboarding");
            onboarding.WriteValue(writer, "data");
            CategoryWriter.WriteNoteAndError(writer, onboarding.Note, onboarding.Error);
            writer.WriteEndObject();

            Telemetry.Write(writer, paths.DataFolder);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        LastWarnings = warnings;
        return new BuiltExport(exportId, file, FullExportCategoryCount, warnings);
    }

    public BuiltExport BuildBoatlogSnapshot()
    {
        var (exportId, now) = NewExportId("boatlog");
        var count = 0;
        var file = ExportFileWriter.Write(paths.ExportFiles, exportId, writer =>
        {
            WriteHeader(writer, now, "boatlog");
            (count, var error) = CategoryWriter.WriteList(writer, "boatlog", CategoryWriter.SqliteTable(paths.BoatlogDatabase, "boatlog_entries", "timestamp"));
            // The snapshot is only the boat log: one that cannot be read is a failure, not an empty success.
            // Thrown inside the write, so the temp file goes and nothing is queued.
            if (error is not null)
            {
                throw new ExportSourceException(error);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        return new BuiltExport(exportId, file, count, []);
    }

    /// <summary>Opens the top object and its "data" member; the caller closes both.</summary>
    private void WriteHeader(Utf8JsonWriter writer, DateTimeOffset now, string type)
    {
        var state = license.Read();
        writer.WriteStartObject();
        writer.WriteString("installation_id", state.InstallationId);
        writer.WriteString("export_timestamp", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.WriteString("format_version", "1.0");
        writer.WriteString("export_type", type);
        writer.WriteNumber("tier", state.Tier);
        writer.WriteStartObject("data");
    }

    private (string Id, DateTimeOffset Now) NewExportId(string prefix)
    {
        var now = time.GetUtcNow();
        var stamp = now.UtcDateTime.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        return ($"{prefix}_{stamp}_{RandomNumberGenerator.GetHexString(8, lowercase: true)}", now);
    }

    private static string? Join(string? first, string? second) =>
        first is null ? second : second is null ? first : $"{first}; {second}";
}
