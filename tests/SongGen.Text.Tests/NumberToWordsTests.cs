using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace SongGen.Text.Tests;

/// <summary>Every case of Fixtures/num2words-fixtures.json (Debian python3-num2words 0.5.10, make_lyrics_fixtures.py).</summary>
public class NumberToWordsTests
{
    private static List<JsonElement[]> Section(string name)
    {
        using var doc = TestData.FixtureJson("num2words-fixtures.json");
        return doc.RootElement.GetProperty(name).EnumerateArray().Select(e => e.EnumerateArray().Select(x => x.Clone()).ToArray()).ToList();
    }

    private static BigInteger Integer(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? BigInteger.Parse(e.GetString()!, CultureInfo.InvariantCulture) : new BigInteger(e.GetInt64());

    private static double Float(string text)
    {
        Assert.True(NumberToWords.TryParsePythonFloat(text, out var value), text);
        return value;
    }

    private static void AssertAll(List<JsonElement[]> cases, Func<JsonElement[], string> actual)
    {
        Assert.NotEmpty(cases);
        var failures = cases.Select(c => (c, got: actual(c))).Where(x => x.got != x.c[^1].GetString())
            .Select(x => $"{x.c[0]}: expected '{x.c[^1].GetString()}', got '{x.got}'").ToList();
        Assert.True(failures.Count == 0, $"{failures.Count}/{cases.Count} differ:\n" + string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public void Cardinals_match_num2words() => AssertAll(Section("cardinal"), c => NumberToWords.Cardinal(Integer(c[0])));

    [Fact]
    public void Ordinals_match_num2words() => AssertAll(Section("ordinal"), c => NumberToWords.Ordinal(Integer(c[0])));

    [Fact]
    public void Floats_match_num2words() => AssertAll(Section("decimal"), c => NumberToWords.Float(Float(c[0].GetString()!)));

    [Fact]
    public void Currency_matches_num2words() =>
        AssertAll(Section("currency"), c => NumberToWords.Currency(Float(c[0].GetString()!), c[1].GetString()!));

    [Fact]
    public void Limits_are_num2words_limits()
    {
        Assert.Throws<OverflowException>(() => NumberToWords.Cardinal(BigInteger.Pow(10, 306)));
        Assert.Throws<ArgumentOutOfRangeException>(() => NumberToWords.Ordinal(-1));
        Assert.Throws<NotSupportedException>(() => NumberToWords.Currency(1, "XYZ"));
        Assert.Equal("minus  five dollars, fifty cents", NumberToWords.Currency(-5.5, "USD"));
    }
}
