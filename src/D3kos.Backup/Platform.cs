using System.Runtime.Versioning;

// Backups keep Unix owners and modes and restore by rename on one Linux file system: Linux only.
[assembly: SupportedOSPlatform("linux")]
