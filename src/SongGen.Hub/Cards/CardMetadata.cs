using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace SongGen.Hub.Cards;

/// <summary>
/// The YAML front matter of a card: an ordered mapping of top-level keys, with typed accessors for the keys the Hub
/// understands and untyped access (<see cref="Get"/>/<see cref="Set"/>) to every other key.
/// </summary>
/// <remarks>
/// Round trip: an unchanged card is written back byte for byte. After a change, every untouched top-level entry keeps
/// its original text (comments, quoting, indentation), a changed entry is re-emitted in place, a new key goes at the
/// end and a removed key disappears with the comment lines just above it. Only when the front matter is a flow
/// mapping, uses anchors/aliases or has non-string keys is the whole block re-emitted (keys and order still kept,
/// comments lost).
/// </remarks>
public sealed partial class CardMetadata
{
    private readonly List<Entry> _entries = [];
    private readonly string _file;
    private readonly int _lineOffset;
    private readonly string _lineBreak;
    private readonly bool _indentSequences;
    /// <summary>The text as read (with a final line break), written back while nothing changed.</summary>
    private readonly string _originalText;
    /// <summary>Comment and blank lines after the last entry.</summary>
    private readonly string _tail;
    /// <summary>The original text cannot be edited entry by entry: any change re-emits the whole block.</summary>
    private readonly bool _reemitAll;
    private bool _changed;

    private sealed class Entry(string key, YamlNode value, string leading, string? text)
    {
        public string Key { get; } = key;
        public YamlNode Value { get; set; } = value;
        /// <summary>Comment and blank lines just above the key.</summary>
        public string Leading { get; } = leading;
        /// <summary>The entry's original text; null once the value was set in code.</summary>
        public string? Text { get; set; } = text;
    }

    /// <summary>Empty metadata (a card without front matter).</summary>
    public CardMetadata(string lineBreak = "\n", string file = "README.md")
        : this(file, 0, lineBreak, indentSequences: false, originalText: "", tail: "", reemitAll: false)
    {
    }

    private CardMetadata(string file, int lineOffset, string lineBreak, bool indentSequences, string originalText, string tail, bool reemitAll)
    {
        _file = file;
        _lineOffset = lineOffset;
        _lineBreak = lineBreak;
        _indentSequences = indentSequences;
        _originalText = originalText;
        _tail = tail;
        _reemitAll = reemitAll;
    }

    /// <summary>
    /// Parses a front-matter block (the text between the <c>---</c> lines). <paramref name="lineOffset"/> is the number
    /// of README.md lines above the block, so positions in errors are README.md positions.
    /// </summary>
    /// <exception cref="CardFormatException">Malformed YAML, duplicate keys, or a block that is not a mapping.</exception>
    public static CardMetadata Parse(string yaml, string file = "README.md", int lineOffset = 0, string lineBreak = "\n")
    {
        var text = yaml.Length == 0 || yaml.EndsWith('\n') || yaml.EndsWith('\r') ? yaml : yaml + lineBreak;
        var stream = new YamlStream();
        var lastGood = Mark.Empty;
        try
        {
            // Walk the events first: YamlDotNet's scanner throws a bare InvalidOperationException on some malformed
            // input (an unclosed flow list before the next key), and the last good event is then the best position.
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext()) lastGood = parser.Current!.End;
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            // YamlDotNet reports a tab indentation at the enclosing mapping; the tab itself is what the author must find.
            var at = ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstTabIndentedLine(text) is { } tabLine
                ? new Mark(0, tabLine, 1)
                : ex.Start;
            throw Malformed(file, lineOffset, at, Unprefixed(ex.Message), ex);
        }
        catch (InvalidOperationException ex)
        {
            throw Malformed(file, lineOffset, lastGood, "the parser stopped after this point (an unclosed bracket, brace or quote?)", ex);
        }
        catch (ArgumentException ex)
        {
            // The representation model refuses a key that is already in the mapping.
            throw new CardFormatException(file, new CardProblem(CardProblemSeverity.Error, "", 0, 0, "malformed YAML: " + ex.Message), ex);
        }

        var indent = IndentedSequence().IsMatch(text);
        if (stream.Documents.Count == 0)
            return new CardMetadata(file, lineOffset, lineBreak, indent, text, tail: text, reemitAll: false);
        if (stream.Documents.Count > 1)
            throw new CardFormatException(file, new CardProblem(CardProblemSeverity.Error, "", lineOffset + 1, 1, "the front matter holds more than one YAML document"));
        var root = stream.Documents[0].RootNode;
        if (CardYaml.IsNull(root))
            return new CardMetadata(file, lineOffset, lineBreak, indent, text, tail: text, reemitAll: false);
        if (root is not YamlMappingNode mapping)
        {
            var line = root.Start.Line > 0 ? (int)root.Start.Line + lineOffset : 0;
            throw new CardFormatException(file, new CardProblem(CardProblemSeverity.Error, "", line, line == 0 ? 0 : (int)root.Start.Column,
                $"the front matter must be a YAML mapping (key: value lines), got {CardNodeReader.Describe(root)}"));
        }

        var keys = new List<string>();
        foreach (var (key, _) in mapping.Children)
        {
            if (key is not YamlScalarNode scalar)
                throw new CardFormatException(file, new CardProblem(CardProblemSeverity.Error, "", (int)key.Start.Line + lineOffset, (int)key.Start.Column, "a top-level key must be a string"));
            if (keys.Contains(scalar.Value!))
                throw new CardFormatException(file, new CardProblem(CardProblemSeverity.Error, scalar.Value!, (int)key.Start.Line + lineOffset, (int)key.Start.Column, "duplicate key"));
            keys.Add(scalar.Value!);
        }

        var editable = mapping.Style != MappingStyle.Flow && !HasAnchors(mapping);
        if (!editable)
        {
            var whole = new CardMetadata(file, lineOffset, lineBreak, indent, text, tail: "", reemitAll: true);
            foreach (var (key, value) in mapping.Children) whole._entries.Add(new Entry(((YamlScalarNode)key).Value!, value, "", null));
            return whole;
        }

        // Cut the text at the start of each key's line; comment/blank lines right above a key go with that key.
        var starts = mapping.Children.Keys.Select(k => LineStart(text, (int)k.Start.Index)).ToList();
        var leadingStarts = new List<int>();
        for (var i = 0; i < starts.Count; i++)
            leadingStarts.Add(i == 0 ? 0 : TriviaStart(text, starts[i], floor: starts[i - 1] + 1));
        var tailStart = TriviaStart(text, text.Length, floor: starts[^1] + 1);
        var metadata = new CardMetadata(file, lineOffset, lineBreak, indent, text, text[tailStart..], reemitAll: false);
        var index = 0;
        foreach (var (key, value) in mapping.Children)
        {
            var end = index + 1 < starts.Count ? leadingStarts[index + 1] : tailStart;
            metadata._entries.Add(new Entry(keys[index], value, text[leadingStarts[index]..starts[index]], text[starts[index]..end]));
            index++;
        }
        return metadata;
    }

    private static CardFormatException Malformed(string file, int lineOffset, Mark at, string message, Exception inner)
    {
        var line = at.Line > 0 ? (int)at.Line + lineOffset : 0;
        return new CardFormatException(file, new CardProblem(CardProblemSeverity.Error, "", line, line == 0 ? 0 : (int)at.Column, "malformed YAML: " + message), inner);
    }

    /// <summary>1-based number of the first line whose indentation holds a tab, or null.</summary>
    private static int? FirstTabIndentedLine(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indentation = lines[i][..(lines[i].Length - lines[i].TrimStart(' ', '\t').Length)];
            if (indentation.Contains('\t')) return i + 1;
        }
        return null;
    }

    /// <summary>Top-level keys in order.</summary>
    public IReadOnlyList<string> Keys => _entries.Select(e => e.Key).ToList();

    public int Count => _entries.Count;

    /// <summary>Whether anything was set or removed since parsing.</summary>
    public bool IsChanged => _changed;

    public bool ContainsKey(string key) => Find(key) is not null;

    /// <summary>The node under a top-level key, or null.</summary>
    public YamlNode? Get(string key) => Find(key)?.Value;

    /// <summary>Sets a top-level key: in place when it exists, else appended. A null value removes the key.</summary>
    public void Set(string key, YamlNode? value)
    {
        if (value is null)
        {
            Remove(key);
            return;
        }
        _changed = true;
        if (Find(key) is { } entry)
        {
            entry.Value = value;
            entry.Text = null;
            return;
        }
        _entries.Add(new Entry(key, value, "", null));
    }

    public bool Remove(string key)
    {
        var index = _entries.FindIndex(e => e.Key == key);
        if (index < 0) return false;
        _entries.RemoveAt(index);
        _changed = true;
        return true;
    }

    private Entry? Find(string key) => _entries.Find(e => e.Key == key);

    /// <summary>The block as YAML text (without the <c>---</c> lines), ending in a line break unless empty.</summary>
    public string ToYaml()
    {
        if (!_changed) return _originalText;
        if (_entries.Count == 0) return "";
        if (_reemitAll)
        {
            var mapping = new YamlMappingNode();
            foreach (var entry in _entries) mapping.Add(CardYaml.String(entry.Key), entry.Value);
            return CardYaml.EmitDocument(mapping, _lineBreak, _indentSequences);
        }
        var text = new StringBuilder();
        foreach (var entry in _entries)
        {
            text.Append(entry.Leading);
            var body = entry.Text ?? CardYaml.EmitEntry(entry.Key, entry.Value, _lineBreak, _indentSequences);
            text.Append(body);
            if (!body.EndsWith('\n') && !body.EndsWith('\r')) text.Append(_lineBreak);
        }
        text.Append(_tail);
        return text.ToString();
    }

    /// <summary>Problems the Hub would reject or misread (see <see cref="CardValidator"/>).</summary>
    public IReadOnlyList<CardProblem> Validate(RepoType repoType = RepoType.Model) => CardValidator.Validate(this, repoType);

    /// <summary>The metadata as JSON, as the Hub shows it in <c>cardData</c> (plain numbers, booleans and nulls resolved).</summary>
    public string ToJson(bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            foreach (var entry in _entries)
            {
                writer.WritePropertyName(entry.Key);
                WriteJson(writer, entry.Value);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    writer.WritePropertyName(key is YamlScalarNode s ? s.Value ?? "" : key.ToString());
                    WriteJson(writer, value);
                }
                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children) WriteJson(writer, item);
                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                switch (CardYaml.Resolve(scalar))
                {
                    case null: writer.WriteNullValue(); break;
                    case bool b: writer.WriteBooleanValue(b); break;
                    case long l: writer.WriteNumberValue(l); break;
                    case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
                    case var other: writer.WriteStringValue(other.ToString()); break;
                }
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    // ---- Typed accessors: getters throw CardFormatException (naming key and line) on a wrong shape; Validate reports instead.

    /// <summary><c>license</c>: a Hub license id (<c>mit</c>, <c>apache-2.0</c>, …) or <c>other</c>.</summary>
    public string? License { get => ReadString("license"); set => SetString("license", value); }

    /// <summary><c>license_name</c>: short id of a custom license (with <c>license: other</c>).</summary>
    public string? LicenseName { get => ReadString("license_name"); set => SetString("license_name", value); }

    /// <summary><c>license_link</c>: link to a custom license (a URL or a file in the repo).</summary>
    public string? LicenseLink { get => ReadString("license_link"); set => SetString("license_link", value); }

    /// <summary><c>language</c>: ISO 639 codes (a single string is read as one).</summary>
    public IReadOnlyList<string> Language { get => ReadList("language", allowSingle: true); set => SetList("language", value); }

    public string? LibraryName { get => ReadString("library_name"); set => SetString("library_name", value); }

    /// <summary><c>tags</c>: a list (a single string is a fault). Setting removes duplicates, keeping the first.</summary>
    public IReadOnlyList<string> Tags { get => ReadList("tags", allowSingle: false); set => SetList("tags", value.Distinct(StringComparer.Ordinal).ToList()); }

    /// <summary><c>datasets</c>: dataset ids the model was trained on.</summary>
    public IReadOnlyList<string> Datasets { get => ReadList("datasets", allowSingle: true); set => SetList("datasets", value); }

    /// <summary><c>metrics</c>: metric ids.</summary>
    public IReadOnlyList<string> Metrics { get => ReadList("metrics", allowSingle: true); set => SetList("metrics", value); }

    /// <summary><c>base_model</c>: one model id (written as a string) or several (a list, e.g. for a merge).</summary>
    public IReadOnlyList<string> BaseModel
    {
        get => ReadList("base_model", allowSingle: true);
        set => Set("base_model", value.Count switch { 0 => null, 1 => CardYaml.String(value[0]), _ => CardYaml.StringList(value) });
    }

    /// <summary><c>base_model_relation</c>: adapter, merge, quantized or finetune.</summary>
    public BaseModelRelation? BaseModelRelation
    {
        get
        {
            var text = ReadString("base_model_relation");
            if (text is null) return null;
            if (BaseModelRelations.TryParse(text, out var relation)) return relation;
            var (line, column) = PositionOf(Get("base_model_relation"));
            throw new CardFormatException(_file, new CardProblem(CardProblemSeverity.Error, "base_model_relation", line, column,
                $"'{text}' is not one of {BaseModelRelations.Names}"));
        }
        set => SetString("base_model_relation", value?.ToHubName());
    }

    /// <summary><c>pipeline_tag</c>: the task (e.g. <c>text-to-audio</c>).</summary>
    public string? PipelineTag { get => ReadString("pipeline_tag"); set => SetString("pipeline_tag", value); }

    /// <summary><c>model-index</c>: evaluation results. Setting writes only the fields of the records.</summary>
    public IReadOnlyList<ModelIndexEntry> ModelIndex
    {
        get => Reader().ModelIndex(Get("model-index"), "model-index");
        set => Set("model-index", value.Count == 0 ? null : new YamlSequenceNode(value.Select(ModelIndexNode)));
    }

    // Dataset cards.

    public string? PrettyName { get => ReadString("pretty_name"); set => SetString("pretty_name", value); }

    public IReadOnlyList<string> TaskCategories { get => ReadList("task_categories", allowSingle: true); set => SetList("task_categories", value); }

    public IReadOnlyList<string> TaskIds { get => ReadList("task_ids", allowSingle: true); set => SetList("task_ids", value); }

    /// <summary><c>size_categories</c>: <c>n&lt;1K</c>, <c>1K&lt;n&lt;10K</c>, … <c>n&gt;1T</c>.</summary>
    public IReadOnlyList<string> SizeCategories { get => ReadList("size_categories", allowSingle: true); set => SetList("size_categories", value); }

    public IReadOnlyList<string> SourceDatasets { get => ReadList("source_datasets", allowSingle: true); set => SetList("source_datasets", value); }

    public IReadOnlyList<string> AnnotationsCreators { get => ReadList("annotations_creators", allowSingle: true); set => SetList("annotations_creators", value); }

    public IReadOnlyList<string> LanguageCreators { get => ReadList("language_creators", allowSingle: true); set => SetList("language_creators", value); }

    /// <summary><c>configs</c>: named subsets and their data files by split.</summary>
    public IReadOnlyList<DatasetConfig> Configs
    {
        get => Reader().Configs(Get("configs"), "configs");
        set => Set("configs", value.Count == 0 ? null : new YamlSequenceNode(value.Select(ConfigNode)));
    }

    /// <summary>The 1-based README.md position of a node read from the file; (0, 0) for one set in code.</summary>
    public (int Line, int Column) PositionOf(YamlNode? node) =>
        node is null || node.Start.Line <= 0 ? (0, 0) : ((int)node.Start.Line + _lineOffset, (int)node.Start.Column);

    internal int LineOffset => _lineOffset;

    internal CardNodeReader Reader() => new(_lineOffset, problem => throw new CardFormatException(_file, problem));

    private string? ReadString(string key) => Reader().String(Get(key), key);

    private IReadOnlyList<string> ReadList(string key, bool allowSingle) => Reader().StringList(Get(key), key, allowSingle);

    private void SetString(string key, string? value) => Set(key, value is null ? null : CardYaml.String(value));

    private void SetList(string key, IReadOnlyList<string> values) => Set(key, values.Count == 0 ? null : CardYaml.StringList(values));

    private static YamlNode ModelIndexNode(ModelIndexEntry entry) => CardYaml.Mapping(
        ("name", CardYaml.String(entry.Name)),
        ("results", new YamlSequenceNode(entry.Results.Select(result => (YamlNode)CardYaml.Mapping(
            ("task", CardYaml.Mapping(("type", CardYaml.String(result.Task.Type)), ("name", Optional(result.Task.Name)))),
            ("dataset", CardYaml.Mapping(
                ("type", CardYaml.String(result.Dataset.Type)), ("name", CardYaml.String(result.Dataset.Name)),
                ("config", Optional(result.Dataset.Config)), ("split", Optional(result.Dataset.Split)), ("revision", Optional(result.Dataset.Revision)))),
            ("metrics", new YamlSequenceNode(result.Metrics.Select(metric => (YamlNode)CardYaml.Mapping(
                ("type", CardYaml.String(metric.Type)),
                ("value", metric.NumericValue is { } number ? CardYaml.Number(number) : CardYaml.String(metric.Value)),
                ("name", Optional(metric.Name)), ("config", Optional(metric.Config)),
                ("verified", metric.Verified is { } verified ? CardYaml.Bool(verified) : null))))),
            ("source", result.Source is { } source ? CardYaml.Mapping(("name", Optional(source.Name)), ("url", CardYaml.String(source.Url))) : null))))));

    private static YamlNode ConfigNode(DatasetConfig config)
    {
        YamlNode? files = config.DataFiles.Count switch
        {
            0 => null,
            1 when config.DataFiles[0].Split is null => config.DataFiles[0].Paths.Count == 1
                ? CardYaml.String(config.DataFiles[0].Paths[0])
                : CardYaml.StringList(config.DataFiles[0].Paths),
            _ => new YamlSequenceNode(config.DataFiles.SelectMany(files => files.Split is null
                ? files.Paths.Select(p => (YamlNode)CardYaml.String(p))
                : [CardYaml.Mapping(("split", CardYaml.String(files.Split)),
                    ("path", files.Paths.Count == 1 ? CardYaml.String(files.Paths[0]) : CardYaml.StringList(files.Paths)))])),
        };
        return CardYaml.Mapping(
            ("config_name", CardYaml.String(config.ConfigName)),
            ("data_files", files),
            ("default", config.Default is { } isDefault ? CardYaml.Bool(isDefault) : null));
    }

    private static YamlScalarNode? Optional(string? value) => value is null ? null : CardYaml.String(value);

    private static bool HasAnchors(YamlNode node) => node.AllNodes.Any(n => !n.Anchor.IsEmpty);

    private static int LineStart(string text, int index)
    {
        while (index > 0 && text[index - 1] is not ('\n' or '\r')) index--;
        return index;
    }

    /// <summary>Walks back from a line start over blank lines and lines whose first character is '#', not past <paramref name="floor"/>.</summary>
    private static int TriviaStart(string text, int lineStart, int floor)
    {
        var start = lineStart;
        while (start > floor)
        {
            var previous = LineStart(text, PreviousLineBreakStart(text, start));
            if (previous < floor) break;
            var line = text[previous..start].TrimEnd('\r', '\n');
            if (line.Trim().Length != 0 && !line.StartsWith('#')) break;
            start = previous;
        }
        return start;
    }

    /// <summary>Index of the last character of the previous line (its line break is skipped).</summary>
    private static int PreviousLineBreakStart(string text, int lineStart)
    {
        var index = lineStart - 1;
        if (index > 0 && text[index] == '\n' && text[index - 1] == '\r') index--;
        return Math.Max(index, 0);
    }

    /// <summary>YamlDotNet prefixes messages with "(Line: 3, Col: 7, Idx: …) - (…): "; positions are reported separately.</summary>
    private static string Unprefixed(string message) => LocationPrefix().Replace(message, "").Trim();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex LocationPrefix();

    [GeneratedRegex(@"^[^\s#][^\r\n]*:[ \t]*\r?\n(?:[ \t]*#[^\r\n]*\r?\n)*[ ]+- ", RegexOptions.Multiline)]
    private static partial Regex IndentedSequence();
}
