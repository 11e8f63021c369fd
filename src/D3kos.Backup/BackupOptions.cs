using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace D3kos.Backup;

/// <summary>What is backed up, where backups live and how a restore behaves (configuration section "Backup").</summary>
public sealed class BackupOptions : IValidatableObject
{
    public const string Section = "Backup";

    /// <summary>The sources as on the Pi; a folder ends with '/'.</summary>
    public static readonly IReadOnlyList<string> DefaultSources =
    [
        "/opt/d3kos/config/",
        "/opt/d3kos/data/",
        "/var/www/html/",
        "/home/d3kos/.signalk/",
        "/home/d3kos/.node-red/flows.json",
    ];

    public static readonly IReadOnlyList<string> DefaultServices = ["d3kos-export-manager", "signalk", "nodered"];

    /// <summary>Sources to back up; null keeps the defaults (a bound list would be appended to them).</summary>
    public string[]? Sources { get; set; }

    public string BackupsFolder { get; set; } = "/opt/d3kos/backups";

    /// <summary>How many regular backups retention keeps.</summary>
    [Range(1, int.MaxValue)]
    public int Keep { get; set; } = 5;

    /// <summary>How many pre-restore safety backups retention keeps.</summary>
    [Range(1, int.MaxValue)]
    public int KeepSafety { get; set; } = 3;

    /// <summary>How many imported (uploaded) backups retention keeps; they never push out the boat's own.</summary>
    [Range(1, int.MaxValue)]
    public int KeepImported { get; set; } = 5;

    /// <summary>Services stopped during a restore and started again after it; null keeps the defaults.</summary>
    public string[]? Services { get; set; }

    /// <summary>The program that stops and starts them: called as "&lt;command&gt; stop|start &lt;service&gt;".</summary>
    public string ServiceCommand { get; set; } = "systemctl";

    /// <summary>Largest backup the upload endpoint accepts.</summary>
    public long MaxUploadBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Largest total of file sizes a restore unpacks: an archive that expands past it (a gzip bomb) is refused.</summary>
    public long MaxRestoreBytes { get; set; } = 16L * 1024 * 1024 * 1024;

    /// <summary>Space left free on the disk beyond the estimate before a create or restore starts.</summary>
    public long FreeSpaceMarginBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Automatic backups: when, and how many are kept.</summary>
    public ScheduleOptions Schedule { get; set; } = new();

    /// <summary>When a backup, a copy or the card counts as a problem for the owner (<see cref="Condition"/>).</summary>
    public ConditionOptions Conditions { get; set; } = new();

    /// <summary>The scheduled read-back of the newest backup and the newest copy on each target.</summary>
    public StoredCheckOptions StoredCheck { get; set; } = new();

    /// <summary>The restic program that writes the repository copies (Debian's restic package).</summary>
    public string Restic { get; set; } = "/usr/bin/restic";

    /// <summary>Where copies of the backups go (USB drives); empty: none.</summary>
    public List<CopyTargetOptions> Targets { get; set; } = [];

    public IReadOnlyList<string> EffectiveSources => Sources is { Length: > 0 } ? Sources : DefaultSources;

    public IReadOnlyList<string> EffectiveServices => Services ?? DefaultServices;

    /// <summary>The rules across fields; the ranges above are checked by the generated validator.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!BackupsFolder.StartsWith('/'))
        {
            yield return new ValidationResult("Backup:BackupsFolder must be an absolute path as on the Pi", [nameof(BackupsFolder)]);
        }
        foreach (var source in EffectiveSources.Where(s => !s.StartsWith('/') || s.Contains("..", StringComparison.Ordinal)))
        {
            yield return new ValidationResult($"Backup:Sources entry '{source}' must be an absolute path without '..'", [nameof(Sources)]);
        }
        // A restore swaps whole sources: one that held the backups folder would move the backups away.
        var backups = BackupsFolder.TrimEnd('/') + "/";
        foreach (var source in EffectiveSources.Where(s => backups.StartsWith(s.TrimEnd('/') + "/", StringComparison.Ordinal)))
        {
            yield return new ValidationResult($"Backup:BackupsFolder must not lie inside the source '{source}'", [nameof(BackupsFolder)]);
        }
        foreach (var problem in StoredCheck.Problems())
        {
            yield return new ValidationResult(problem, [nameof(StoredCheck)]);
        }
        foreach (var problem in Conditions.Problems())
        {
            yield return new ValidationResult(problem, [nameof(Conditions)]);
        }
        foreach (var problem in Schedule.Problems())
        {
            yield return new ValidationResult(problem, [nameof(Schedule)]);
        }
        for (var i = 0; i < Targets.Count; i++)
        {
            foreach (var problem in Targets[i].Problems(i, EffectiveSources, BackupsFolder))
            {
                yield return new ValidationResult(problem, [nameof(Targets)]);
            }
        }
        foreach (var name in Targets.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            yield return new ValidationResult($"Backup:Targets: the name '{BackupPaths.Printable(name)}' is used twice", [nameof(Targets)]);
        }
    }
}

/// <summary>Generated at build time from the attributes and <see cref="BackupOptions.Validate"/>: no reflection, AOT-clean.</summary>
[OptionsValidator]
internal sealed partial class BackupOptionsValidator : IValidateOptions<BackupOptions>;
