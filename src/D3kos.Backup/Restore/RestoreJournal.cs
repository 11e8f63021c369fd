using System.Text.Json.Serialization;
using D3kos.Common.Hosting;

namespace D3kos.Backup;

/// <summary>
/// How far a restore got: staging (nothing live touched), swapping (renames under way), keeping (the new
/// files are live and the old ones aside, until their safety backup is durable), swapped (only clean-up left).
/// </summary>
[JsonConverter(typeof(NamesOnly<RestorePhase>))]
public enum RestorePhase
{
    [JsonStringEnumMemberName("staging")]
    Staging,

    [JsonStringEnumMemberName("swapping")]
    Swapping,

    [JsonStringEnumMemberName("swapped")]
    Swapped,

    // Last in the enum, first in meaning after swapping: a journal written by an older version never has it.
    [JsonStringEnumMemberName("keeping")]
    Keeping,
}

/// <summary>Written next to every restore so a crash in the middle can be finished or rolled back on the next start.</summary>
public sealed record RestoreJournal
{
    public required string BackupFile { get; init; }
    public required RestorePhase Phase { get; init; }
    public required List<RestoreSwap> Swaps { get; init; }

    /// <summary>The safety backup that keeps the old state, named when the swap is done (keeping).</summary>
    public string? SafetyBackup { get; init; }

    /// <summary>When the old state could not be archived yet: why, in one sentence (the aside copies stay).</summary>
    public string? SafetyFailure { get; init; }
}

/// <summary>One source's three places during a restore, and whether it existed before.</summary>
public sealed record RestoreSwap(string Live, string Staged, string Old, string WorkFolder, bool LiveExisted);
