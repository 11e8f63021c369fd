using System.Globalization;
using D3kos.Demo;

// d3kos-demo-seed ROOT [--entries N] [--images-mb N] [--seed N] [--signalk-files N] [--unordered]
// d3kos-demo-seed --check-roundtrip CSV DATABASE   (prints how many longitudes did not survive)
if (args is ["--check-roundtrip", var csvPath, var databasePath])
{
    Console.WriteLine(RoundTripCheck.CountLost(csvPath, databasePath));
    return 0;
}
if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("Usage: d3kos-demo-seed ROOT [--entries N] [--images-mb N] [--seed N] [--signalk-files N] [--unordered] | --check-roundtrip CSV DATABASE");
    return 2;
}
var options = new SeedOptions(Path.GetFullPath(args[0]),
    Entries: Option("--entries", 300),
    ImagesMegabytes: Option("--images-mb", 1),
    Seed: Option("--seed", 42),
    Unordered: args.Contains("--unordered"));
BoatSeeder.Seed(options);
var signalKFiles = Option("--signalk-files", 0);
if (signalKFiles > 0)
{
    SignalKTree.Seed(options.Root, signalKFiles, options.Seed);
}
Console.WriteLine($"Seeded {options.Root}: {options.Entries} boat-log entries{(options.Unordered ? " (out of time order)" : "")}, {options.ImagesMegabytes} MB of images, {signalKFiles} Signal K plugin files");
return 0;

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index > 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
