namespace D3kos.Common.Hosting;

/// <summary>A setting or settings file the program refuses to use; its message is the one sentence the owner reads (exit 7 in the CLI, 78 for a service).</summary>
public sealed class ConfigurationRefusedException(string message) : Exception(message);
