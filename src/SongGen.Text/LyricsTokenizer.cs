using System.Text;

namespace SongGen.Text;

/// <summary>
/// SongGen's lyrics tokenizer: XTTS "VoiceBpe" (cleaner, <c>[lang]</c> prefix, spaces as <c>[SPACE]</c>, HF BPE)
/// with the preprocessing wrapper <c>[START] … [STOP]</c>. <see cref="Encode"/> returns exactly the
/// <c>prompt_input_ids</c> SongGen's preprocessing stores.
/// </summary>
public sealed class LyricsTokenizer
{
    private readonly BpeModel _bpe;

    private LyricsTokenizer(BpeModel bpe)
    {
        _bpe = bpe;
        StartId = Require("[START]");
        StopId = Require("[STOP]");
        SpaceId = Require("[SPACE]");
    }

    /// <summary>Id of <c>[START]</c> (261 in the XTTS vocabulary), first of every sequence.</summary>
    public int StartId { get; }

    /// <summary>Id of <c>[STOP]</c> (0), last of every sequence and the padding id.</summary>
    public int StopId { get; }

    /// <summary>Id of <c>[SPACE]</c> (2).</summary>
    public int SpaceId { get; }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> BPE file (SongGen's <c>lyrics_utils/vocab.json</c>).</summary>
    public static LyricsTokenizer FromFile(string tokenizerJsonPath) => FromJson(File.ReadAllText(tokenizerJsonPath, Encoding.UTF8));

    /// <summary>Loads the content of a Hugging Face <c>tokenizer.json</c> BPE file.</summary>
    public static LyricsTokenizer FromJson(string tokenizerJson)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        return new LyricsTokenizer(BpeTokenizerJson.Parse(tokenizerJson));
    }

    /// <summary>
    /// The preprocessing ids of <paramref name="lyrics"/>: <c>[START, STOP]</c> for blank lyrics, else
    /// <c>[START] + EncodeText(lyrics.strip().replace('\n', '.'), lang) + [STOP]</c>. Only English is cleaned.
    /// </summary>
    public int[] Encode(string lyrics, string lang = "en")
    {
        ArgumentNullException.ThrowIfNull(lyrics);
        var stripped = PythonText.Strip(lyrics);
        if (stripped.Length == 0) return [StartId, StopId];
        var ids = new List<int> { StartId };
        ids.AddRange(EncodeText(stripped.Replace('\n', '.'), lang));
        ids.Add(StopId);
        return ids.ToArray();
    }

    /// <summary>
    /// XTTS <c>VoiceBpeTokenizer.encode(text, lang)</c>: clean, prefix <c>[lang]</c>, spaces to <c>[SPACE]</c>, BPE.
    /// </summary>
    /// <exception cref="NotSupportedException">A language other than English: its cleaner is not ported; clean the
    /// text yourself and call <see cref="EncodePrecleaned"/>.</exception>
    public int[] EncodeText(string text, string lang = "en")
    {
        ArgumentNullException.ThrowIfNull(text);
        var tag = LanguageTag(lang);
        if (tag != "en")
        {
            throw new NotSupportedException($"The '{tag}' cleaner is not implemented; clean the text and call EncodePrecleaned.");
        }
        return EncodePrecleaned(EnglishCleaner.Clean(text), tag);
    }

    /// <summary>
    /// BPE ids of already cleaned text with the <c>[lang]</c> prefix and spaces as <c>[SPACE]</c>; any language tag the
    /// vocabulary has (en, de, fr, es, it, pt, pl, tr, ru, nl, cs, ar, zh-cn, ja, hu, ko, hi in XTTS) is accepted.
    /// </summary>
    public int[] EncodePrecleaned(string cleanedText, string lang)
    {
        ArgumentNullException.ThrowIfNull(cleanedText);
        var tag = LanguageTag(lang);
        var ids = new List<int>(cleanedText.Length / 2 + 2);
        _bpe.Encode($"[{tag}]{cleanedText}".Replace(" ", "[SPACE]"), ids);
        return ids.ToArray();
    }

    /// <summary>Pads <see cref="Encode"/> results right with <see cref="StopId"/> (SongGen pads lyrics to a multiple of 2).</summary>
    public TokenBatch EncodeBatch(IEnumerable<string> lyrics, int? padToMultipleOf = null, string lang = "en")
    {
        ArgumentNullException.ThrowIfNull(lyrics);
        return TokenBatch.Pad(lyrics.Select(l => Encode(l, lang)).ToList(), StopId, padToMultipleOf);
    }

    /// <summary>Text of <paramref name="ids"/> as XTTS decodes it: <c>[SPACE]</c> → " ", <c>[STOP]</c>/<c>[UNK]</c>/<c>[START]</c> and language tags dropped.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var builder = new StringBuilder();
        foreach (var id in ids)
        {
            var token = _bpe.IdToToken(id);
            if (id == SpaceId) builder.Append(' ');
            else if (token is not null && !_bpe.IsAddedToken(id)) builder.Append(token);
        }
        return builder.ToString();
    }

    // XTTS drops the region ("en-us" → "en") and names Chinese "zh-cn".
    private string LanguageTag(string lang)
    {
        ArgumentNullException.ThrowIfNull(lang);
        var tag = lang.Split('-')[0].ToLowerInvariant();
        if (tag == "zh") tag = "zh-cn";
        if (_bpe.TokenToId($"[{tag}]") is null) throw new ArgumentException($"The vocabulary has no language tag [{tag}].", nameof(lang));
        return tag;
    }

    private int Require(string token) =>
        _bpe.TokenToId(token) ?? throw new InvalidDataException($"The lyrics vocabulary has no {token} token.");
}
