namespace SongGen.Text.Tests;

public class T5TokenizerTests
{
    private static readonly T5Tokenizer Tokenizer = T5Tokenizer.FromFile(TestData.Fixture("t5-small-test.model"));

    public static IEnumerable<(string Text, int[] Ids)> Fixtures()
    {
        using var doc = TestData.FixtureJson("t5-fixtures.json");
        return doc.RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("text").GetString()!, e.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray()))
            .ToList();
    }

    [Fact]
    public void Every_fixture_line_matches_spm_encode_plus_eos()
    {
        var fixtures = Fixtures().ToList();
        Assert.True(fixtures.Count >= 150);
        var mismatches = fixtures
            .Where(f => !Tokenizer.Encode(f.Text).SequenceEqual(f.Ids.Append(1)))
            .Select(f => $"{f.Text}: expected [{string.Join(",", f.Ids)}], got [{string.Join(",", Tokenizer.EncodeWithoutEos(f.Text))}]")
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void Special_ids_are_t5s()
    {
        Assert.Equal(1, Tokenizer.EosId);
        Assert.Equal(0, Tokenizer.PadId);
        Assert.Equal(2, Tokenizer.UnkId);
        Assert.Equal([1], Tokenizer.Encode(""));
    }

    [Fact]
    public void Unknown_runs_give_one_unk()
    {
        var ids = Tokenizer.EncodeWithoutEos("🎸🎹🥁");
        Assert.Single(ids, Tokenizer.UnkId);
    }

    [Fact]
    public void Batch_pads_right_with_zero_and_masks()
    {
        var a = Tokenizer.Encode("A calm folk song.");
        var b = Tokenizer.Encode("A dark metal song with drums and bass, sung by a choir.");
        var batch = Tokenizer.EncodeBatch(["A calm folk song.", "A dark metal song with drums and bass, sung by a choir."]);
        Assert.Equal(2, batch.Count);
        Assert.Equal(b.Length, batch.Length);
        for (var c = 0; c < batch.Length; c++)
        {
            Assert.Equal(c < a.Length ? a[c] : 0, batch.Ids[0, c]);
            Assert.Equal(c < a.Length ? 1 : 0, batch.AttentionMask[0, c]);
            Assert.Equal(b[c], batch.Ids[1, c]);
            Assert.Equal(1, batch.AttentionMask[1, c]);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    public void Batch_pads_to_a_multiple(int multiple)
    {
        var batch = Tokenizer.EncodeBatch(["A calm folk song.", "rock"], multiple);
        Assert.Equal(0, batch.Length % multiple);
        Assert.True(batch.Length >= Tokenizer.Encode("A calm folk song.").Length);
        Assert.Equal(0, Tokenizer.EncodeBatch([]).Length);
    }

    [Fact]
    public void Decode_round_trips_plain_text()
    {
        const string text = "A dreamy pop song with piano and strings.";
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));
    }
}
