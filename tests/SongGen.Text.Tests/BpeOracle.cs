namespace SongGen.Text.Tests;

/// <summary>Hugging Face's Rust <c>tokenizers</c> (NuGet Tokenizers.DotNet) loaded from a tokenizer.json: the oracle.</summary>
internal static class BpeOracle
{
    public static int[] Encode(Tokenizers.DotNet.Tokenizer oracle, string text) => oracle.Encode(text).Select(i => (int)i).ToArray();
}

/// <summary>Lyric-like lines for BPE comparisons and throughput: written here, deterministic.</summary>
internal static class LyricsCorpus
{
    private static readonly string[] Words =
    [
        "love", "heart", "night", "light", "dream", "fire", "rain", "river", "road", "home", "sky", "star", "moon",
        "dance", "sing", "shout", "whisper", "run", "fall", "rise", "shine", "burn", "break", "hold", "remember",
        "baby", "oh", "yeah", "la", "na", "hey", "never", "forever", "tonight", "tomorrow", "yesterday", "don't",
        "I'm", "you're", "we'll", "can't", "won't", "it's", "café", "naïve", "über", "señor", "jalapeño", "rock'n'roll",
        "Mr.", "Dr.", "St.", "$5", "£20", "€3.50", "100%", "#1", "&", "@home", "30°", "1st", "2nd", "3rd", "4th",
        "1984", "2,000", "3.14", "99", "7", "(chorus)", "[verse]", "x2", "—", "…", "“quoted”", "'single'", "!", "?",
        "中文", "日本", "한국", "🎸", "Ωmega", "Straße", "İstanbul", "ΣΑΣ", "e\u0301", "tab\there",
    ];

    public static List<string> Lines(int count, int seed = 11)
    {
        var rng = new Random(seed);
        var lines = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var n = rng.Next(3, 14);
            var parts = Enumerable.Range(0, n).Select(_ => Words[rng.Next(Words.Length)]);
            var line = string.Join(rng.Next(10) == 0 ? "  " : " ", parts);
            if (rng.Next(4) == 0) line += "\n" + string.Join(" ", Enumerable.Range(0, 4).Select(_ => Words[rng.Next(Words.Length)]));
            if (rng.Next(6) == 0) line = char.ToUpperInvariant(line[0]) + line[1..] + ",";
            lines.Add(line);
        }
        return lines;
    }
}
