using System.Security.Cryptography;

namespace SongGen.Cli.Tests;

/// <summary>Small file-system checks shared by the download and cache tests.</summary>
internal static class CliAssert
{
    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Repo-relative paths of the files under a folder (links included), '/'-separated, sorted.</summary>
    public static List<string> FilesUnder(string folder, bool skipLocalDirBookkeeping = false) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(folder, p).Replace('\\', '/'))
            .Where(p => !skipLocalDirBookkeeping || !p.StartsWith(".cache/huggingface/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Every file, folder and link under a folder, for "nothing was written" checks.</summary>
    public static List<string> Everything(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(folder, p)).ToList()
            : [];
}
