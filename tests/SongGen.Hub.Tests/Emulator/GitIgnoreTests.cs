using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>The .gitignore rules preupload uses for <c>shouldIgnore</c>.</summary>
public sealed class GitIgnoreTests
{
    [Theory]
    [InlineData("*.log", "a.log", true)]
    [InlineData("*.log", "deep/dir/a.log", true)]            // no "/": any depth
    [InlineData("/top.txt", "top.txt", true)]
    [InlineData("/top.txt", "sub/top.txt", false)]           // leading "/": anchored
    [InlineData("build/", "build/out.bin", true)]             // a folder pattern ignores what is inside
    [InlineData("build/", "build", false)]                    // …but not a file called "build"
    [InlineData("docs/*.md", "docs/a.md", true)]
    [InlineData("docs/*.md", "docs/sub/a.md", false)]          // "*" stays in its folder
    [InlineData("docs/**/*.md", "docs/sub/deeper/a.md", true)] // "**" crosses folders
    [InlineData("*.tmp\n!keep.tmp", "keep.tmp", false)]        // "!" re-includes; the last match wins
    [InlineData("*.tmp\n!keep.tmp", "other.tmp", true)]
    [InlineData("out/\n!out/keep.txt", "out/keep.txt", true)]  // a file in an ignored folder stays ignored (git rule)
    [InlineData("# comment\n\n  \n", "comment", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "a/c", false)]
    public void Patterns_follow_gits_rules(string gitignore, string path, bool ignored)
    {
        Assert.Equal(ignored, GitIgnore.Parse(gitignore).IsIgnored(path));
    }

    [Fact]
    public void Crlf_files_work_like_lf_files()
    {
        Assert.True(GitIgnore.Parse("*.log\r\nlogs/\r\n").IsIgnored("logs/a.txt"));
    }
}
