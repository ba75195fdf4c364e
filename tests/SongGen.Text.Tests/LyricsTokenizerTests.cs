using System.Text.Json;

namespace SongGen.Text.Tests;

public class LyricsTokenizerTests
{
    // A small BPE vocabulary built here: letters, a few punctuation marks, merges in both JSON forms, XTTS-like
    // added tokens (ids as in XTTS where they fit).
    private static string SmallVocabJson(bool arrayMerges)
    {
        var vocab = new Dictionary<string, int> { ["[STOP]"] = 0, ["[UNK]"] = 1, ["[SPACE]"] = 2 };
        foreach (var c in "!'(),-.:;?abcdefghijklmnopqrstuvwxyzéñ") vocab[c.ToString()] = vocab.Count;
        string[][] merges = [["t", "h"], ["th", "e"], ["i", "n"], ["o", "n"], ["e", "r"], ["a", "n"], ["an", "d"], ["l", "o"],
            ["lo", "v"], ["lov", "e"], ["in", "g"], ["s", "t"], ["o", "u"], ["y", "ou"], ["e", "a"], ["h", "ea"], ["hea", "r"], ["hear", "t"]];
        foreach (var m in merges) vocab[m[0] + m[1]] = vocab.Count;
        var tags = new (string, int)[] { ("[en]", 59), ("[de]", 60), ("[START]", 61), ("[zh-cn]", 62) };
        foreach (var (tag, id) in tags) vocab[tag] = id;
        var added = new[] { ("[STOP]", 0), ("[UNK]", 1), ("[SPACE]", 2) }.Concat(tags)
            .Select(t => new { id = t.Item2, content = t.Item1, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true });
        var json = new
        {
            version = "1.0", truncation = (object?)null, padding = (object?)null, added_tokens = added,
            normalizer = (object?)null, pre_tokenizer = new { type = "Whitespace" }, post_processor = (object?)null, decoder = (object?)null,
            model = new
            {
                type = "BPE", dropout = (object?)null, unk_token = "[UNK]", continuing_subword_prefix = (object?)null,
                end_of_word_suffix = (object?)null, fuse_unk = false, vocab,
                // "a b" strings or ["a", "b"] arrays (the Rust loader wants one form per file).
                merges = merges.Select(m => arrayMerges ? (object)m : $"{m[0]} {m[1]}").ToArray(),
            },
        };
        return JsonSerializer.Serialize(json);
    }

    private static readonly Lazy<string> SmallVocabPath = new(() => WriteSmallVocab(arrayMerges: false));

    private static readonly Lazy<string> SmallVocabArraysPath = new(() => WriteSmallVocab(arrayMerges: true));

    private static string WriteSmallVocab(bool arrayMerges)
    {
        var path = Path.Combine(Path.GetTempPath(), $"songgen-small-bpe-{Environment.ProcessId}-{arrayMerges}.json");
        File.WriteAllText(path, SmallVocabJson(arrayMerges));
        return path;
    }

    private static void AssertMatchesOracle(string vocabPath, IEnumerable<string> cleanedTexts)
    {
        var tokenizer = LyricsTokenizer.FromFile(vocabPath);
        var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: vocabPath);
        var count = 0;
        var failures = new List<string>();
        foreach (var text in cleanedTexts)
        {
            count++;
            var expected = BpeOracle.Encode(oracle, "[en]" + text.Replace(" ", "[SPACE]"));
            var actual = tokenizer.EncodePrecleaned(text, "en");
            if (!expected.SequenceEqual(actual)) failures.Add($"'{text}': expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
        }
        Assert.True(failures.Count == 0, $"{failures.Count}/{count} differ:\n" + string.Join("\n", failures.Take(20)));
    }

    private static readonly string[] RawTexts =
    [
        "", "the", "love the heart", "hello, world!", "it's (really) true?", "a--b..c", "héllo señor", "naïve café",
        "中文 and 日本語", "emoji 🎸 here", "tab\there", "new\nline", "x_y z9", "e\u0301 combining", "ⓐⓑ circled",
        "mixed[SPACE]tokens[en]inside", "[START][STOP]", "[zh-cn]text[de]", "unknown ~ ^ chars", "theeeee thththt",
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Small_vocab_matches_the_hf_oracle_on_raw_and_cleaned_text(bool arrayMerges) =>
        AssertMatchesOracle((arrayMerges ? SmallVocabArraysPath : SmallVocabPath).Value,
            RawTexts.Concat(LyricsCorpus.Lines(300).Select(EnglishCleaner.Clean)));

    [RequiresXttsVocabFact]
    public void Xtts_vocab_matches_the_hf_oracle_on_raw_and_cleaned_text() =>
        AssertMatchesOracle(TestData.SharedXttsVocab!, RawTexts.Concat(LyricsCorpus.Lines(1000).Select(EnglishCleaner.Clean)));

    [RequiresXttsVocabFact]
    public void Xtts_vocab_merges_as_arrays_give_the_same_ids()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(TestData.SharedXttsVocab!))!;
        var merges = json["model"]!["merges"]!.AsArray();
        var arrays = new System.Text.Json.Nodes.JsonArray(merges.Select(m => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonArray(
            m!.GetValue<string>().Split(' ').Select(p => (System.Text.Json.Nodes.JsonNode?)p).ToArray())).ToArray());
        json["model"]!["merges"] = arrays;
        var fromArrays = LyricsTokenizer.FromJson(json.ToJsonString());
        var fromStrings = LyricsTokenizer.FromFile(TestData.SharedXttsVocab!);
        foreach (var line in LyricsCorpus.Lines(200)) Assert.Equal(fromStrings.Encode(line), fromArrays.Encode(line));
    }

    [RequiresXttsVocabFact]
    public void Xtts_preprocessing_ids_have_the_songgen_shape()
    {
        var tokenizer = LyricsTokenizer.FromFile(TestData.SharedXttsVocab!);
        Assert.Equal((261, 0, 2), (tokenizer.StartId, tokenizer.StopId, tokenizer.SpaceId));
        Assert.Equal([261, 0], tokenizer.Encode("  \n "));
        var ids = tokenizer.Encode("Hi there\nfriend");
        Assert.Equal([261, 259], ids[..2]);
        Assert.Equal(0, ids[^1]);
        // Lines are joined by "." without a space.
        var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: TestData.SharedXttsVocab!);
        Assert.Equal(BpeOracle.Encode(oracle, "[en]hi[SPACE]there.friend"), ids[1..^1]);
        Assert.Equal("hi there.friend", tokenizer.Decode(ids));
    }

    [Fact]
    public void Preprocessing_wraps_with_start_and_stop()
    {
        var tokenizer = LyricsTokenizer.FromFile(SmallVocabPath.Value);
        Assert.Equal([61, 0], tokenizer.Encode(""));
        Assert.Equal([61, 0], tokenizer.Encode(" \t\n"));
        var ids = tokenizer.Encode(" I love you\nthe heart ");
        var inner = tokenizer.EncodePrecleaned("i love you.the heart", "en");
        Assert.Equal([61, .. inner, 0], ids);
        Assert.Equal(59, inner[0]);
        Assert.Equal("i love you.the heart", tokenizer.Decode(ids));
    }

    [Fact]
    public void Language_tags()
    {
        var tokenizer = LyricsTokenizer.FromFile(SmallVocabPath.Value);
        Assert.Equal(60, tokenizer.EncodePrecleaned("the", "de")[0]);
        Assert.Equal(62, tokenizer.EncodePrecleaned("the", "zh")[0]);
        Assert.Equal(59, tokenizer.EncodeText("The", "en-US")[0]);
        Assert.Throws<NotSupportedException>(() => tokenizer.EncodeText("der", "de"));
        Assert.Throws<ArgumentException>(() => tokenizer.EncodePrecleaned("x", "xx"));
    }

    [Fact]
    public void Batch_pads_with_stop_and_masks()
    {
        var tokenizer = LyricsTokenizer.FromFile(SmallVocabPath.Value);
        var batch = tokenizer.EncodeBatch(["love", "the heart and you"], padToMultipleOf: 2);
        var shortIds = tokenizer.Encode("love");
        Assert.Equal(0, batch.Length % 2);
        for (var c = shortIds.Length; c < batch.Length; c++)
        {
            Assert.Equal(0, batch.Ids[0, c]);
            Assert.Equal(0, batch.AttentionMask[0, c]);
        }
        Assert.Equal(1, batch.AttentionMask[0, shortIds.Length - 1]);
    }
}
