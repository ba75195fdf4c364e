using System.Text.RegularExpressions;

namespace SongGen.Hub.Emulator.Store;

/// <summary>
/// The patterns of a <c>.gitignore</c> file, matched with git's main rules: blank lines and <c>#</c> comments skipped,
/// <c>!</c> re-includes, a trailing <c>/</c> matches folders only, a pattern with another <c>/</c> is anchored to the
/// root, <c>*</c> stays in a folder and <c>**</c> crosses folders; a path is ignored when it or one of its folders
/// matches (the last matching pattern wins).
/// </summary>
internal sealed class GitIgnore
{
    public const string FileName = ".gitignore";

    private readonly List<(Regex Pattern, bool Negated, bool FoldersOnly)> _rules;

    private GitIgnore(List<(Regex, bool, bool)> rules) => _rules = rules;

    public static GitIgnore Empty { get; } = new([]);

    public static GitIgnore Parse(string text)
    {
        var rules = new List<(Regex, bool, bool)>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r').TrimEnd();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var negated = line.StartsWith('!');
            if (negated)
            {
                line = line[1..];
            }
            var foldersOnly = line.EndsWith('/');
            line = line.TrimEnd('/');
            if (line.Length > 0)
            {
                rules.Add((GitGlob.ToRegex(line), negated, foldersOnly));
            }
        }
        return new GitIgnore(rules);
    }

    public bool IsIgnored(string path)
    {
        // A file inside an ignored folder is ignored, whatever the later patterns say about the file itself (git rule).
        foreach (var folder in RepoPaths.Ancestors(path))
        {
            if (Decide(folder, isFolder: true))
            {
                return true;
            }
        }
        return Decide(path, isFolder: false);
    }

    private bool Decide(string path, bool isFolder)
    {
        var ignored = false;
        foreach (var (pattern, negated, foldersOnly) in _rules)
        {
            if ((!foldersOnly || isFolder) && pattern.IsMatch(path))
            {
                ignored = !negated;
            }
        }
        return ignored;
    }
}
