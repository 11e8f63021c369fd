using System.Text.Json.Serialization;
using D3kos.Common.Hosting;

namespace D3kos.Backup;

/// <summary>How far a restore got: staging (nothing live touched), swapping (renames under way), swapped (only clean-up left).</summary>
[JsonConverter(typeof(NamesOnly<RestorePhase>))]
public enum RestorePhase
{
    [JsonStringEnumMemberName("staging")]
    Staging,

    [JsonStringEnumMemberName("swapping")]
    Swapping,

    [JsonStringEnumMemberName("swapped")]
    Swapped,
}

/// <summary>Written next to every restore so a crash in the middle can be finished or rolled back on the next start.</summary>
public sealed record RestoreJournal
{
    public required string BackupFile { get; init; }
    public required RestorePhase Phase { get; init; }
    public required List<RestoreSwap> Swaps { get; init; }
}

/// <summary>One source's three places during a restore, and whether it existed before.</summary>
public sealed record RestoreSwap(string Live, string Staged, string Old, string WorkFolder, bool LiveExisted);
