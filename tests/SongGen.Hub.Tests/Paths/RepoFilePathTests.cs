using SongGen.Hub.Tests.Cache;

namespace SongGen.Hub.Tests.Paths;

public sealed class RepoFilePathTests
{
    public static TheoryData<string, string> HostileNames => new()
    {
        { "", "empty" },
        { "..", "'..'" },
        { "../etc/passwd", "'..'" },
        { "a/../../b", "'..'" },
        { "a/..", "'..'" },
        { "/etc/passwd", "absolute" },
        { "//server/share/x", "absolute" },
        { "a\\b.txt", "backslash" },
        { "..\\..\\x", "backslash" },
        { "\\\\srv\\share\\x", "backslash" },
        { "C:", "drive" },
        { "C:x", "drive" },
        { "C:\\Windows\\x", "backslash" },
        { "c:/windows/x", "drive" },
        { "sub/D:evil", "drive" },
        { "a\0b", "NUL" },
        { "a\nb", "control" },
        { "tab\there", "control" },
        { "esc\u001b[2J", "control" },
        { "del\u007f", "control" },
        { "a//b", "empty segment" },
        { "./a", "'.'" },
        { "a/./b", "'.'" },
        { ".", "'.'" },
        { "a/", "ends with '/'" },
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Validate_refuses_hostile_names(string name, string reasonFragment)
    {
        var error = Assert.Throws<UnsafeRepoPathException>(() => RepoFilePath.Validate(name));
        Assert.Equal(name, error.Path);
        Assert.Contains(reasonFragment, error.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(error.Reason, error.Message, StringComparison.Ordinal);
        Assert.False(RepoFilePath.IsSafe(name));
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public void Unpaired_surrogates_are_refused()
    {
        // Not theory data: xunit would serialise the lone surrogate to U+FFFD.
        foreach (string name in new[] { "lone\uD800surrogate", "end\uDBFF", "\uDC00start" })
            Assert.Contains("surrogate", Assert.Throws<UnsafeRepoPathException>(() => RepoFilePath.Validate(name)).Reason, StringComparison.Ordinal);
        Assert.Equal("ok\uD83D\uDE00", RepoFilePath.Validate("ok\uD83D\uDE00"));
    }

    [Fact]
    public void Message_names_the_path_with_control_characters_escaped()
    {
        var error = Assert.Throws<UnsafeRepoPathException>(() => RepoFilePath.Validate("x\u001b[31m"));
        Assert.Contains("x\\u001b[31m", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message);
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("sub/config.json")]
    [InlineData("a/b/c/d/e/model-00001-of-00002.safetensors")]
    [InlineData("with space/file name.txt")]
    [InlineData("C#/notes+more.md")]
    [InlineData("#hash+plus=eq&amp;.txt")]
    [InlineData("ünïcödé/日本語/😀.wav")]
    [InlineData(".gitattributes")]
    [InlineData("..hidden/...")]
    [InlineData("a..b/c..")]
    [InlineData("dir.with.dots/x")]
    [InlineData("ab:c/d")] // only a single letter followed by ':' is a drive
    public void Validate_returns_safe_names_unchanged(string name)
    {
        Assert.Same(name, RepoFilePath.Validate(name));
        Assert.True(RepoFilePath.IsSafe(name));
    }

    [Fact]
    public void A_letter_colon_segment_is_a_drive_anywhere_as_in_python()
    {
        // Python checks every segment under Windows rules: PureWindowsPath("a:b").drive == "a:".
        Assert.Throws<UnsafeRepoPathException>(() => RepoFilePath.Validate("a:b/c"));
        Assert.Equal("ab:c/d", RepoFilePath.Validate("ab:c/d"));
    }

    [Fact]
    public void ResolveUnder_joins_below_the_root()
    {
        using var temp = new TempFolder();
        string full = RepoFilePath.ResolveUnder(temp.Path, "sub/dir/file #1+2.txt");
        Assert.Equal(Path.Combine(temp.Path, "sub", "dir", "file #1+2.txt"), full);
        Assert.Equal(Path.Combine(temp.Path, "x"), RepoFilePath.ResolveUnder(temp.Path + Path.DirectorySeparatorChar, "x"));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/tmp/x")]
    [InlineData("a/../../x")]
    [InlineData("")]
    public void ResolveUnder_refuses_escapes(string name)
    {
        using var temp = new TempFolder();
        Assert.Throws<UnsafeRepoPathException>(() => RepoFilePath.ResolveUnder(temp.Path, name));
    }

    [Fact]
    public void ResolveUnder_with_a_relative_root_returns_a_full_path()
    {
        string full = RepoFilePath.ResolveUnder("relative-root", "a/b");
        Assert.True(Path.IsPathFullyQualified(full));
        Assert.EndsWith(Path.Combine("relative-root", "a", "b"), full, StringComparison.Ordinal);
    }
}
