namespace SongGen.Hub.Emulator;

/// <summary>Validation of paths inside a repository (the store never lets a path escape its folder).</summary>
internal static class RepoPaths
{
    public static string Normalize(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\\') || path.StartsWith('/') || path.EndsWith('/'))
        {
            throw new ArgumentException($"Invalid repo path '{path}': use relative paths with '/' separators.", nameof(path));
        }
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or "." or ".." || segment.Contains('\0'))
            {
                throw new ArgumentException($"Invalid repo path '{path}'.", nameof(path));
            }
        }
        return path;
    }

    /// <summary>The folder part of a path: "" for a top-level file.</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>All folders containing <paramref name="path"/>, innermost last, without the root.</summary>
    public static IEnumerable<string> Ancestors(string path)
    {
        for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
    }

    public static bool IsUnder(string path, string folder) =>
        folder.Length == 0 || (path.Length > folder.Length && path[folder.Length] == '/' && path.StartsWith(folder, StringComparison.Ordinal));
}
