namespace SongGen.Text.Tests;

/// <summary>Fixtures/cleaner-fixtures.json: a Python reference cleaner (make_lyrics_fixtures.py) over tricky lines.</summary>
public class EnglishCleanerTests
{
    [Fact]
    public void Every_fixture_matches_the_python_reference()
    {
        using var doc = TestData.FixtureJson("cleaner-fixtures.json");
        var cases = doc.RootElement.EnumerateArray().Select(e => (Input: e[0].GetString()!, Expected: e[1].GetString()!)).ToList();
        Assert.True(cases.Count >= 50);
        var failures = cases.Select(c => (c, got: EnglishCleaner.Clean(c.Input))).Where(x => x.got != x.c.Expected)
            .Select(x => $"'{x.c.Input}': expected '{x.c.Expected}', got '{x.got}'").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("It costs $5.50", "it costs five dollars, fifty cents")]
    [InlineData("Rock & roll", "rock and roll")]
    [InlineData("Dr. Who", "doctor who")]
    [InlineData("the 21st", "the twenty-first")]
    public void Examples(string input, string expected) => Assert.Equal(expected, EnglishCleaner.Clean(input));
}
