using System.Globalization;
using System.Text;

namespace D3kos.Demo;

/// <summary>
/// A Signal K install as plugins leave it: node_modules of many small JavaScript, JSON and map files
/// (0.2–6 KB) in nested folders, the shape where per-file costs dominate a backup. Deterministic.
/// </summary>
public static class SignalKTree
{
    private static readonly string[] Names = ["index", "lib", "util", "parser", "stream", "buffer", "types", "schema", "client", "server"];
    private static readonly string[] Extensions = [".js", ".js", ".js", ".json", ".d.ts", ".map", ".md"];

    public static void Seed(string root, int files, int seed)
    {
        var random = new Random(seed);
        var modules = Path.Combine(root, "home/d3kos/.signalk/node_modules");
        var text = new StringBuilder();
        for (var i = 0; i < files; i++)
        {
            // ~25 files a package, packages in scopes, a few folder levels inside each.
            var package = $"@signalk-{i / 2500}/plugin-{i / 25}";
            var depth = random.Next(0, 3);
            var folder = Path.Combine(modules, package, string.Join('/', Enumerable.Range(0, depth).Select(d => Names[(i + d) % Names.Length])));
            Directory.CreateDirectory(folder);
            var name = Names[random.Next(Names.Length)] + "-" + i.ToString(CultureInfo.InvariantCulture) + Extensions[random.Next(Extensions.Length)];
            text.Clear();
            var size = random.Next(200, 6 * 1024);
            while (text.Length < size)
            {
                text.Append(CultureInfo.InvariantCulture, $"module.exports.f{random.Next(1000)} = function (a, b) {{ return a + b * {random.Next(100)}; }};\n");
            }
            File.WriteAllText(Path.Combine(folder, name), text.ToString(0, size));
        }
    }
}
