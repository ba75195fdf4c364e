namespace SongGen.Hub.Tests.Paths;

/// <summary>Expected values are Python's <c>fnmatch.fnmatchcase</c> (checked with CPython 3.11 while writing).</summary>
public sealed class FilePatternsTests
{
    [Theory]
    // '*' crosses '/', unlike a shell
    [InlineData("data/a/b.json", "data/*.json", true)]
    [InlineData("data/file.json", "data/*.json", true)]
    [InlineData("other/data/file.json", "data/*.json", false)]
    [InlineData("model.safetensors", "*.safetensors", true)]
    [InlineData("sub/dir/model-00001-of-00002.safetensors", "*.safetensors", true)]
    [InlineData("model.safetensors.index.json", "*.safetensors", false)]
    [InlineData("MODEL.SAFETENSORS", "*.safetensors", false)] // case-sensitive on every platform
    [InlineData("", "*", true)]
    [InlineData("", "", true)]
    [InlineData("a", "", false)]
    [InlineData("anything/at/all", "*", true)]
    // '**' is just two stars
    [InlineData("a/b/c.bin", "**", true)]
    [InlineData("x.bin", "**/*.bin", false)]
    [InlineData("d/x.bin", "**/*.bin", true)]
    [InlineData("d/e/x.bin", "**/*.bin", true)]
    [InlineData("abc", "a**c", true)]
    // '?' is exactly one character, including '/' and a whole astral code point
    [InlineData("a/b", "a?b", true)]
    [InlineData("ab", "a?b", false)]
    [InlineData("a😀b", "a?b", true)]
    [InlineData("😀", "??", false)]
    // sets
    [InlineData("b.txt", "[!a]*", true)]
    [InlineData("a.txt", "[!a]*", false)]
    [InlineData("/x", "[!a]*", true)]
    [InlineData("c", "[a-c]", true)]
    [InlineData("d", "[a-c]", false)]
    [InlineData("-", "[a-]", true)]
    [InlineData("-", "[-a]", true)]
    [InlineData("-", "[!-a]", false)]
    [InlineData("]", "[]]", true)]
    [InlineData("]", "[!]]", false)]
    [InlineData("x", "[!]]", true)]
    [InlineData("^", "[^a]", true)] // '^' is an ordinary member, '!' negates
    [InlineData("b", "[^a]", false)]
    [InlineData("\\", "[\\]", true)] // backslashes become '/' in the pattern and the path, so "[\\]" is "[/]"
    [InlineData("/", "[\\]", true)]
    [InlineData("a", "[\\]", false)]
    [InlineData("b", "[z-a]", false)] // an empty range matches nothing
    [InlineData("b", "[!z-a]", true)]
    [InlineData("b", "[bz-a]", true)]
    [InlineData("-", "[a-c-e]", true)] // a '-' right after a range is literal
    [InlineData("d", "[a-c-e]", false)]
    [InlineData("c", "[z-a!b]", true)]  // Python quirk: empty leading range, then '!' negates
    [InlineData("b", "[z-a!b]", false)]
    [InlineData("!", "[z-a!b]", true)] // the '!' became the negation marker, not a member
    [InlineData("é", "[a-ü]", true)]
    [InlineData("😀", "[😀]", true)]
    // a '[' without ']' is literal
    [InlineData("[abc", "[abc", true)]
    [InlineData("a[b", "a[b", true)]
    [InlineData("[!", "[!", true)]
    [InlineData("[]", "[]", true)]
    [InlineData("x]", "[!]", false)]
    // separators and folder patterns
    [InlineData("data\\train\\x.parquet", "data/*", true)]
    [InlineData("data/train/x.parquet", "data\\*", true)]
    [InlineData("data/train/x.parquet", "data/", true)]
    [InlineData("data/train/x.parquet", "data\\", true)]
    [InlineData("database.bin", "data/", false)]
    public void IsMatch_follows_python_fnmatchcase(string path, string pattern, bool expected)
    {
        Assert.Equal(expected, FilePatterns.IsMatch(path, pattern));
    }

    [Fact]
    public void Half_a_surrogate_pair_is_not_the_code_point()
    {
        // Not theory data: xunit would serialise the lone surrogate to U+FFFD.
        Assert.False(FilePatterns.IsMatch("\uD83D", "[😀]"));
        Assert.False(FilePatterns.IsMatch("\uD83D", "\uD83D\uDE00"));
        Assert.True(FilePatterns.IsMatch("\uD83D", "?"));
    }

    [Fact]
    public void ShouldKeep_applies_allow_then_ignore()
    {
        string[] allow = ["*.json", "*.safetensors"];
        string[] ignore = ["*.index.json", "original/"];
        Assert.True(FilePatterns.ShouldKeep("config.json", allow, ignore));
        Assert.True(FilePatterns.ShouldKeep("model.safetensors", allow, null));
        Assert.False(FilePatterns.ShouldKeep("model.safetensors.index.json", allow, ignore));
        Assert.False(FilePatterns.ShouldKeep("original/model.safetensors", allow, ignore));
        Assert.False(FilePatterns.ShouldKeep("README.md", allow, ignore));
        Assert.True(FilePatterns.ShouldKeep("README.md", null, ignore));
        Assert.True(FilePatterns.ShouldKeep("README.md", null, null));
        Assert.False(FilePatterns.ShouldKeep("README.md", [], null)); // an empty allow list keeps nothing, as in Python
        Assert.True(FilePatterns.ShouldKeep("README.md", null, []));
    }

    [Fact]
    public void Filter_keeps_order_and_uses_the_key()
    {
        var files = new[]
        {
            (Path: "README.md", Size: 1),
            (Path: "sub\\config.json", Size: 2),
            (Path: ".gitattributes", Size: 3),
            (Path: "model.safetensors", Size: 4),
            (Path: "data/a/b.json", Size: 5),
        };
        var kept = FilePatterns.Filter(files, f => f.Path, ["*.json", "*.md", "*.safetensors"], [".*", "data/"]).Select(f => f.Size);
        Assert.Equal([1, 2, 4], kept);
    }

    [Fact]
    public void Filter_rejects_null_patterns_at_the_call()
    {
        Assert.Throws<ArgumentException>(() => FilePatterns.Filter(["a"], s => s, [null!], null));
    }

    [Fact]
    public void Compiled_patterns_are_cached()
    {
        Assert.Same(FilePatterns.Compile("cache-me-*.bin"), FilePatterns.Compile("cache-me-*.bin"));
    }

    [Fact]
    public void Star_backtracking_stays_linear_enough_for_pathological_patterns()
    {
        string path = new('a', 5000);
        Assert.False(FilePatterns.IsMatch(path, "*a*a*a*a*a*a*a*a*b"));
        Assert.True(FilePatterns.IsMatch(path + "b", "*a*a*a*a*a*a*a*a*b"));
    }
}
