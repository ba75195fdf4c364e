using System.Collections.Concurrent;

namespace SongGen.Hub;

/// <summary>
/// <c>--include</c>/<c>--exclude</c> (allow/ignore) patterns with exactly the semantics of huggingface_hub's
/// <c>filter_repo_objects</c>: Python's <c>fnmatch.fnmatchcase</c> (case-sensitive, <c>*</c> matches across <c>/</c>,
/// <c>?</c> one character, <c>[seq]</c>/<c>[!seq]</c> with ranges, a <c>[</c> without a closing <c>]</c> is literal,
/// no escape character, <c>**</c> is just two stars), backslashes read as <c>/</c> in patterns and paths, and a
/// pattern ending in <c>/</c> gets <c>*</c> appended (a folder means everything below it).
/// </summary>
public static class FilePatterns
{
    private const int MaxCachedPatterns = 1024;
    private static readonly ConcurrentDictionary<string, GlobPattern> Compiled = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="path"/> matches <paramref name="pattern"/> (after separator normalisation).</summary>
    public static bool IsMatch(string path, string pattern)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(pattern);
        return Compile(pattern).IsMatch(NormalizeSeparators(path));
    }

    /// <summary>
    /// Keep <paramref name="path"/> when it matches at least one <paramref name="allow"/> pattern (if allow is given; an
    /// empty list keeps nothing, as in Python) and no <paramref name="ignore"/> pattern.
    /// </summary>
    public static bool ShouldKeep(string path, IReadOnlyList<string>? allow, IReadOnlyList<string>? ignore)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ShouldKeep(NormalizeSeparators(path), CompileAll(allow), CompileAll(ignore));
    }

    /// <summary>Lazily yields the items whose <paramref name="path"/> passes <see cref="ShouldKeep(string, IReadOnlyList{string}?, IReadOnlyList{string}?)"/>.</summary>
    public static IEnumerable<T> Filter<T>(IEnumerable<T> items, Func<T, string> path, IReadOnlyList<string>? allow, IReadOnlyList<string>? ignore)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(path);
        // Compile (and validate) eagerly so a bad argument fails at the call, not at the first MoveNext.
        GlobPattern[]? allowPatterns = CompileAll(allow);
        GlobPattern[]? ignorePatterns = CompileAll(ignore);
        return FilterIterator(items, path, allowPatterns, ignorePatterns);
    }

    private static IEnumerable<T> FilterIterator<T>(IEnumerable<T> items, Func<T, string> path, GlobPattern[]? allow, GlobPattern[]? ignore)
    {
        foreach (T item in items)
        {
            if (ShouldKeep(NormalizeSeparators(path(item)), allow, ignore))
                yield return item;
        }
    }

    private static bool ShouldKeep(string normalizedPath, GlobPattern[]? allow, GlobPattern[]? ignore)
    {
        if (allow is not null && !allow.Any(p => p.IsMatch(normalizedPath)))
            return false;
        return ignore is null || !ignore.Any(p => p.IsMatch(normalizedPath));
    }

    private static GlobPattern[]? CompileAll(IReadOnlyList<string>? patterns)
    {
        if (patterns is null)
            return null;
        var compiled = new GlobPattern[patterns.Count];
        for (int i = 0; i < compiled.Length; i++)
            compiled[i] = Compile(patterns[i] ?? throw new ArgumentException("A pattern list must not contain null.", nameof(patterns)));
        return compiled;
    }

    internal static GlobPattern Compile(string pattern)
    {
        if (Compiled.TryGetValue(pattern, out GlobPattern? cached))
            return cached;
        // Patterns come from command lines and configs: few and repeated. The cap only guards against a caller that
        // generates patterns in a loop.
        if (Compiled.Count >= MaxCachedPatterns)
            Compiled.Clear();
        string normalized = NormalizeSeparators(pattern);
        if (normalized.EndsWith('/'))
            normalized += "*";
        return Compiled.GetOrAdd(pattern, GlobPattern.Parse(normalized));
    }

    private static string NormalizeSeparators(string value) => value.Contains('\\') ? value.Replace('\\', '/') : value;
}

/// <summary>A compiled fnmatch pattern. Every token but <c>*</c> consumes exactly one code point.</summary>
internal sealed class GlobPattern
{
    private enum Kind : byte { Literal, AnyChar, Star, Set }

    private readonly record struct Token(Kind Kind, int CodePoint = 0, CharSet? Set = null);

    private sealed class CharSet(bool negated, (int Low, int High)[] ranges)
    {
        // Python drops reversed ranges ("z-a") from the set, so an empty range simply never contributes.
        public bool Contains(int codePoint)
        {
            bool inRanges = false;
            foreach (var (low, high) in ranges)
            {
                if (codePoint >= low && codePoint <= high)
                {
                    inRanges = true;
                    break;
                }
            }
            return inRanges != negated;
        }
    }

    private readonly Token[] tokens;

    private GlobPattern(Token[] tokens) => this.tokens = tokens;

    public static GlobPattern Parse(string pattern)
    {
        int[] p = CodePoints(pattern);
        var tokens = new List<Token>(p.Length);
        int i = 0;
        while (i < p.Length)
        {
            int c = p[i++];
            switch (c)
            {
                case '*':
                    // Consecutive stars are one star ("**" has no special meaning).
                    if (tokens.Count == 0 || tokens[^1].Kind != Kind.Star)
                        tokens.Add(new Token(Kind.Star));
                    break;
                case '?':
                    tokens.Add(new Token(Kind.AnyChar));
                    break;
                case '[':
                    if (TryParseSet(p, i, out CharSet? set, out int next))
                    {
                        tokens.Add(new Token(Kind.Set, Set: set));
                        i = next;
                    }
                    else
                    {
                        tokens.Add(new Token(Kind.Literal, '['));
                    }
                    break;
                default:
                    tokens.Add(new Token(Kind.Literal, c));
                    break;
            }
        }
        return new GlobPattern([.. tokens]);
    }

    /// <summary>
    /// Parses the set whose '[' is just before <paramref name="start"/>. As in fnmatch: a leading '!' negates, a ']'
    /// right after '[' or '[!' is a member, the set ends at the next ']' (none: the '[' is literal), '-' between two
    /// members makes a range (a reversed one is empty), a '-' first or last is literal, and '\' and '^' are ordinary
    /// members.
    /// </summary>
    private static bool TryParseSet(int[] p, int start, out CharSet? set, out int next)
    {
        int j = start;
        if (j < p.Length && p[j] == '!')
            j++;
        if (j < p.Length && p[j] == ']')
            j++;
        while (j < p.Length && p[j] != ']')
            j++;
        if (j >= p.Length)
        {
            set = null;
            next = start;
            return false;
        }

        bool negated = p[start] == '!';
        int k = negated ? start + 1 : start;
        if (!negated)
        {
            // Python quirk, reproduced for exactness: fnmatch deletes empty ranges ("z-a") from the set text before it
            // looks for a leading '!', so "[z-a!b]" is the negated set [!b].
            int afterEmpty = k;
            while (afterEmpty + 2 < j && p[afterEmpty + 1] == '-' && p[afterEmpty] > p[afterEmpty + 2])
                afterEmpty += 3;
            if (afterEmpty > k && afterEmpty < j && p[afterEmpty] == '!')
            {
                negated = true;
                k = afterEmpty + 1;
            }
        }
        var ranges = new List<(int, int)>();
        while (k < j)
        {
            int low = p[k];
            if (k + 2 < j && p[k + 1] == '-')
            {
                ranges.Add((low, p[k + 2]));
                k += 3;
            }
            else
            {
                ranges.Add((low, low));
                k++;
            }
        }
        set = new CharSet(negated, [.. ranges]);
        next = j + 1;
        return true;
    }

    public bool IsMatch(string path)
    {
        int[] s = CodePoints(path);
        int ti = 0, si = 0;
        int starToken = -1, starResume = 0;
        while (si < s.Length)
        {
            if (ti < tokens.Length && tokens[ti].Kind == Kind.Star)
            {
                // Remember where to resume if what follows the star fails: let the star eat one more code point.
                starToken = ti++;
                starResume = si;
            }
            else if (ti < tokens.Length && Matches(tokens[ti], s[si]))
            {
                ti++;
                si++;
            }
            else if (starToken >= 0)
            {
                ti = starToken + 1;
                si = ++starResume;
            }
            else
            {
                return false;
            }
        }
        while (ti < tokens.Length && tokens[ti].Kind == Kind.Star)
            ti++;
        return ti == tokens.Length;
    }

    private static bool Matches(Token token, int codePoint) => token.Kind switch
    {
        Kind.Literal => token.CodePoint == codePoint,
        Kind.AnyChar => true,
        Kind.Set => token.Set!.Contains(codePoint),
        _ => false,
    };

    /// <summary>Python strings are sequences of code points: a '?' matches one emoji, not half of it.</summary>
    private static int[] CodePoints(string value)
    {
        var result = new int[value.Length];
        int count = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                result[count++] = char.ConvertToUtf32(c, value[i + 1]);
                i++;
            }
            else
            {
                result[count++] = c; // a lone surrogate stands for itself, like Python's surrogateescape
            }
        }
        return count == result.Length ? result : result[..count];
    }
}
