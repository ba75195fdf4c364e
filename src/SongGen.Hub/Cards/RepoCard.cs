using System.Text;
using System.Text.RegularExpressions;

namespace SongGen.Hub.Cards;

/// <summary>
/// A model or dataset card: the repository's <c>README.md</c>, YAML metadata between <c>---</c> lines followed by a
/// Markdown body. The block is found with the Hub's own pattern, so what counts as metadata here is what the Hub
/// shows as <c>cardData</c>. Pushing a card is uploading README.md (<c>songgen hub upload</c>).
/// </summary>
public sealed partial class RepoCard
{
    private readonly string _opening;
    private readonly string _closing;

    private RepoCard(CardMetadata metadata, string body, string lineBreak, string opening, string closing)
    {
        Metadata = metadata;
        Body = body;
        LineBreak = lineBreak;
        _opening = opening;
        _closing = closing;
    }

    /// <summary>A new card with the given metadata and body (line breaks as given; <c>\n</c> around the block).</summary>
    public RepoCard(CardMetadata metadata, string body, string lineBreak = "\n")
        : this(metadata, body, lineBreak, "", "")
    {
    }

    public CardMetadata Metadata { get; }

    /// <summary>The Markdown after the front matter.</summary>
    public string Body { get; set; }

    /// <summary>The card's line break (the first one in the file), used for anything written anew.</summary>
    public string LineBreak { get; }

    /// <summary>Parses README.md text; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="CardFormatException">The front matter is malformed YAML or not a mapping.</exception>
    public static RepoCard Parse(string content, string file = "README.md")
    {
        var lineBreak = DetectLineBreak(content);
        var match = FrontMatter().Match(content);
        if (!match.Success)
            return new RepoCard(new CardMetadata(lineBreak, file), content, lineBreak);
        var opening = match.Groups[1].Value;
        var yaml = match.Groups[2].Value;
        var lineOffset = CountLines(opening);
        var metadata = CardMetadata.Parse(yaml, file, lineOffset, lineBreak);
        return new RepoCard(metadata, content[match.Length..], lineBreak, opening, match.Groups[3].Value);
    }

    /// <summary>Reads README.md (UTF-8, a BOM is dropped).</summary>
    public static RepoCard Load(string path) => Parse(System.IO.File.ReadAllText(path, Encoding.UTF8), path);

    /// <summary>Problems that would make the Hub reject or misread this text as a card of the given type; parse errors included.</summary>
    public static IReadOnlyList<CardProblem> Validate(string content, RepoType repoType, string file = "README.md")
    {
        try
        {
            return CardValidator.Validate(Parse(content, file).Metadata, repoType);
        }
        catch (CardFormatException ex)
        {
            return [ex.Problem];
        }
    }

    /// <summary>Problems in this card's metadata for the given repository type.</summary>
    public IReadOnlyList<CardProblem> Validate(RepoType repoType) => CardValidator.Validate(Metadata, repoType);

    /// <summary>
    /// The README.md text. Unchanged parts come back as they were read; an empty metadata block is left out (as a card
    /// without front matter), unless the card was read with one and nothing changed.
    /// </summary>
    public override string ToString()
    {
        if (Metadata.Count == 0 && (Metadata.IsChanged || _opening.Length == 0))
            return Body;
        var yaml = Metadata.ToYaml();
        // The closing group starts with the line break that ends the last YAML line.
        var block = yaml.EndsWith("\r\n", StringComparison.Ordinal) ? yaml[..^2] : yaml.EndsWith('\n') || yaml.EndsWith('\r') ? yaml[..^1] : yaml;
        var opening = _opening.Length > 0 ? _opening : "---" + LineBreak;
        var closing = _closing.Length > 0 ? _closing : LineBreak + "---" + LineBreak;
        return opening + block + closing + Body;
    }

    /// <summary>Writes README.md next to its destination first, then moves it into place: a failure leaves the old file whole.</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            System.IO.File.WriteAllText(temporary, ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            System.IO.File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (System.IO.File.Exists(temporary)) System.IO.File.Delete(temporary);
        }
    }

    private static string DetectLineBreak(string content)
    {
        var index = content.IndexOfAny(['\r', '\n']);
        if (index < 0) return "\n";
        if (content[index] == '\n') return "\n";
        return index + 1 < content.Length && content[index + 1] == '\n' ? "\r\n" : "\r";
    }

    private static int CountLines(string text)
    {
        var lines = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n') lines++;
            else if (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')) lines++;
        }
        return lines;
    }

    /// <summary>The Hub's front-matter pattern (huggingface_hub <c>REGEX_YAML_BLOCK</c>, also used server side).</summary>
    [GeneratedRegex(@"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(?:\r\n|\n|$))")]
    private static partial Regex FrontMatter();
}
