namespace SongGen.Hub;

/// <summary>
/// Thrown when a name that came from a repository (a file path, a revision, an etag, a commit) would not stay inside
/// the folder it is joined to, or cannot be stored safely on every platform.
/// </summary>
public sealed class UnsafeRepoPathException : IOException
{
    public UnsafeRepoPathException(string path, string reason)
        : base($"Refusing unsafe repository path '{Printable(path)}': {reason}.")
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The offending name, exactly as received.</summary>
    public string Path { get; }

    /// <summary>Why it was refused, in words (e.g. "contains a '..' segment").</summary>
    public string Reason { get; }

    // Control characters in an exception message can rewrite a terminal line; show them escaped.
    private static string Printable(string value)
    {
        if (!value.Any(char.IsControl))
            return value;
        var builder = new System.Text.StringBuilder(value.Length + 8);
        foreach (char c in value)
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return builder.ToString();
    }
}

/// <summary>
/// Validation of repo-relative paths (<c>sub/config.json</c>) before they touch the disk. A malicious repository can
/// name a file <c>../../.bashrc</c>, <c>/etc/passwd</c>, <c>C:\x</c> or <c>\\attacker\share</c>; Python's
/// <c>_validate_relative_filename</c> refuses traversal and anchored names under POSIX and Windows rules, and this is
/// stricter: it also refuses backslashes, control characters and empty or <c>.</c> segments, so that one repo path maps
/// to exactly one file on every platform.
/// </summary>
public static class RepoFilePath
{
    /// <summary>Returns <paramref name="repoRelativePath"/> unchanged when it is safe, else throws <see cref="UnsafeRepoPathException"/>.</summary>
    public static string Validate(string repoRelativePath)
    {
        ArgumentNullException.ThrowIfNull(repoRelativePath);
        if (FindProblem(repoRelativePath) is { } reason)
            throw new UnsafeRepoPathException(repoRelativePath, reason);
        return repoRelativePath;
    }

    /// <summary>Whether <paramref name="repoRelativePath"/> passes <see cref="Validate"/>.</summary>
    public static bool IsSafe(string? repoRelativePath) => repoRelativePath is not null && FindProblem(repoRelativePath) is null;

    /// <summary>
    /// Validates <paramref name="repoRelativePath"/>, joins it to <paramref name="rootFolder"/> and checks that the full
    /// path is still strictly below the root. Returns the full path (platform separators).
    /// </summary>
    public static string ResolveUnder(string rootFolder, string repoRelativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootFolder);
        Validate(repoRelativePath);
        string root = FullRoot(rootFolder);
        string full = System.IO.Path.GetFullPath(System.IO.Path.Join(root, repoRelativePath));
        if (!IsStrictlyUnder(root, full))
            throw new UnsafeRepoPathException(repoRelativePath, $"it resolves to '{full}', outside '{root}'");
        return full;
    }

    /// <summary>Checks a value used as one path segment (an etag, a commit hash, a blob name).</summary>
    internal static string ValidateSegment(string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        string? reason = FindProblem(value);
        if (reason is null && value.Contains('/'))
            reason = $"a {what} must be a single path segment";
        if (reason is null && value.Contains(':'))
            reason = $"a {what} must not contain ':'";
        if (reason is not null)
            throw new UnsafeRepoPathException(value, reason);
        return value;
    }

    /// <summary>The full form of a root folder, without a trailing separator (except for a file-system root).</summary>
    internal static string FullRoot(string folder) => System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder));

    /// <summary>Whether the full path <paramref name="candidate"/> lies strictly below the full path <paramref name="root"/>.</summary>
    internal static bool IsStrictlyUnder(string root, string candidate)
    {
        string prefix = System.IO.Path.EndsInDirectorySeparator(root) ? root : root + System.IO.Path.DirectorySeparatorChar;
        return candidate.Length > prefix.Length && candidate.StartsWith(prefix, PathComparison);
    }

    /// <summary>File names compare case-insensitively on Windows and (by default) macOS.</summary>
    internal static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static string? FindProblem(string path)
    {
        if (path.Length == 0)
            return "it is empty";
        for (int i = 0; i < path.Length; i++)
        {
            char c = path[i];
            if (c == '\0')
                return "it contains a NUL character";
            if (char.IsControl(c))
                return $"it contains the control character U+{(int)c:X4}";
            if (c == '\\')
                return "it contains a backslash (Windows separator or UNC prefix)";
            if (char.IsHighSurrogate(c) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return "it contains an unpaired UTF-16 surrogate";
        }
        if (path[0] == '/')
            return "it is absolute";
        if (path[^1] == '/')
            return "it ends with '/'";

        foreach (string segment in path.Split('/'))
        {
            if (segment.Length == 0)
                return "it contains an empty segment ('//')";
            if (segment == "..")
                return "it contains a '..' segment";
            if (segment == ".")
                return "it contains a '.' segment";
            // Python checks each segment under Windows rules too: "C:", "C:x" are drive(-relative) paths there.
            if (segment.Length >= 2 && segment[1] == ':' && char.IsAsciiLetter(segment[0]))
                return "it contains a drive letter";
        }
        return null;
    }
}
