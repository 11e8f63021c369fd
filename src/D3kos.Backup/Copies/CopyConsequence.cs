namespace D3kos.Backup;

/// <summary>What a target was doing when it failed, which decides how its sentence ends (<see cref="CopyFailures.Kept"/>).</summary>
internal enum CopyConsequence
{
    Copy,
    Import,
    Look,
}
