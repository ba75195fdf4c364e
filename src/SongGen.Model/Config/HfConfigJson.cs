using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SongGen.Model.Config;

/// <summary>A config file that cannot be read: malformed JSON, a value of the wrong type, a missing or invalid key.
/// <see cref="File"/> is the file (or source) name and <see cref="Key"/> the dotted key path, when one applies.</summary>
public sealed class SongGenConfigException : Exception
{
    public SongGenConfigException(string file, string? key, string message, Exception? inner = null)
        : base(key is null ? $"{file}: {message}" : $"{file}: key '{key}': {message}", inner)
    {
        File = file;
        Key = key;
    }

    public string File { get; }
    public string? Key { get; }
}

/// <summary>
/// Base of the Hugging Face config objects: typed properties for the keys this code knows, and
/// <see cref="ExtensionData"/> for every other key, kept as read. On writing, keys come out in the order they were
/// read (known and unknown interleaved as in the source), then known keys that were not in the source, then
/// extension keys added since. A known value that is unchanged keeps its original JSON text (e.g. <c>1e-06</c>).
/// </summary>
public abstract class HfConfigObject
{
    /// <summary>The keys this code does not model, in source order. Add, change or remove freely.</summary>
    public JsonObject ExtensionData { get; internal set; } = new();

    internal List<string>? SourceKeyOrder { get; set; }
    internal Dictionary<string, JsonNode?>? SourceValues { get; set; }

    internal bool InSource(string key) => SourceValues?.ContainsKey(key) == true;

    internal void CopySourceFrom(HfConfigObject other)
    {
        ExtensionData = (JsonObject)other.ExtensionData.DeepClone();
        SourceKeyOrder = other.SourceKeyOrder is null ? null : new List<string>(other.SourceKeyOrder);
        SourceValues = other.SourceValues?.ToDictionary(p => p.Key, p => p.Value?.DeepClone());
    }
}

internal static class HfJson
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Indented with 2 spaces and ending in a newline, as transformers writes its configs.</summary>
    public static string Format(JsonObject obj) => obj.ToJsonString(WriteOptions) + "\n";

    public static JsonObject ParseRoot(string json, string file)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            // Materialize the whole tree now so that duplicate keys are reported here, not on first access.
            if (node is not null) Touch(node);
        }
        catch (JsonException e)
        {
            throw new SongGenConfigException(file, null, $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new SongGenConfigException(file, null, $"malformed JSON: {e.Message}", e);
        }
        if (node is not JsonObject root)
            throw new SongGenConfigException(file, null, $"the top level must be a JSON object, not {KindName(node)}");
        return root;
    }

    private static void Touch(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o: foreach (var p in o) if (p.Value is not null) Touch(p.Value); break;
            case JsonArray a: foreach (var v in a) if (v is not null) Touch(v); break;
        }
    }

    public static JsonObject Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SongGenConfigException(path, null, $"cannot be read: {e.Message}", e);
        }
        return ParseRoot(text, path);
    }

    public static string KindName(JsonNode? node) => node is null ? "null" : node.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>Doubles as Python writes them: <c>0.0</c>, <c>0.1</c>, <c>1e-06</c>, <c>10000.0</c>.</summary>
    public static JsonNode DoubleNode(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), "JSON has no NaN or infinity");
        string text;
        if (value == Math.Floor(value) && Math.Abs(value) < 1e16) text = value.ToString("0.0", CultureInfo.InvariantCulture);
        else
        {
            text = value.ToString("R", CultureInfo.InvariantCulture);
            var e = text.IndexOf('E');
            if (e >= 0)
            {
                var mantissa = text[..e];
                var exponent = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
                text = mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
            }
        }
        return JsonNode.Parse(text)!;
    }
}

/// <summary>Reads the known keys of one JSON object with type checks; whatever is left becomes extension data.</summary>
internal sealed class HfConfigReader
{
    private readonly JsonObject _obj;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public HfConfigReader(JsonObject obj, string file, string? prefix)
    {
        _obj = obj;
        File = file;
        Prefix = prefix;
    }

    public string File { get; }
    public string? Prefix { get; }

    public string PathOf(string key) => Prefix is null ? key : Prefix + "." + key;

    public SongGenConfigException Error(string key, string message) => new(File, PathOf(key), message);

    private SongGenConfigException WrongType(string key, string expected, JsonNode? node)
    {
        var shown = node is null ? "null" : node.ToJsonString();
        if (shown.Length > 60) shown = shown[..57] + "...";
        return Error(key, $"expected {expected}, got {HfJson.KindName(node)} ({shown})");
    }

    private bool TryGet(string key, out JsonNode? node)
    {
        _known.Add(key);
        return _obj.TryGetPropertyValue(key, out node);
    }

    public bool Has(string key) => _obj.ContainsKey(key);

    public int Int(string key, int fallback) =>
        NullableInt(key, fallback, allowNull: false) ?? fallback;

    public int? NullableInt(string key, int? fallback) => NullableInt(key, fallback, allowNull: true);

    private int? NullableInt(string key, int? fallback, bool allowNull)
    {
        if (!TryGet(key, out var node)) return fallback;
        if (node is null)
        {
            if (allowNull) return null;
            throw WrongType(key, "an integer", node);
        }
        return ParseInt(key, node);
    }

    private int ParseInt(string key, JsonNode node)
    {
        if (node.GetValueKind() == JsonValueKind.Number)
        {
            var d = node.GetValue<double>();
            if (d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue) return (int)d;
        }
        throw WrongType(key, "an integer", node);
    }

    public IReadOnlyList<int>? IntOrIntList(string key, IReadOnlyList<int>? fallback)
    {
        if (!TryGet(key, out var node)) return fallback;
        if (node is null) return null;
        if (node is JsonArray a)
        {
            var list = new List<int>(a.Count);
            foreach (var item in a)
            {
                if (item is null) throw WrongType(key, "an integer or a list of integers", node);
                list.Add(ParseInt(key, item));
            }
            return list;
        }
        return [ParseInt(key, node)];
    }

    public double Double(string key, double fallback)
    {
        if (!TryGet(key, out var node)) return fallback;
        if (node is not null && node.GetValueKind() == JsonValueKind.Number) return node.GetValue<double>();
        throw WrongType(key, "a number", node);
    }

    public bool Bool(string key, bool fallback)
    {
        if (!TryGet(key, out var node)) return fallback;
        if (node is not null && node.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return node.GetValue<bool>();
        throw WrongType(key, "true or false", node);
    }

    public string String(string key, string fallback) =>
        NullableString(key, fallback) ?? throw Error(key, "expected a string, got null");

    public string? NullableString(string key, string? fallback)
    {
        if (!TryGet(key, out var node)) return fallback;
        if (node is null) return null;
        if (node.GetValueKind() == JsonValueKind.String) return node.GetValue<string>();
        throw WrongType(key, "a string", node);
    }

    public IReadOnlyList<string>? StringList(string key, IReadOnlyList<string>? fallback)
    {
        if (!TryGet(key, out var node)) return fallback;
        if (node is null) return null;
        if (node is not JsonArray a) throw WrongType(key, "a list of strings", node);
        var list = new List<string>(a.Count);
        foreach (var item in a)
        {
            if (item is null || item.GetValueKind() != JsonValueKind.String) throw WrongType(key, "a list of strings", node);
            list.Add(item.GetValue<string>());
        }
        return list;
    }

    public JsonObject RequiredObject(string key)
    {
        if (!TryGet(key, out var node)) throw Error(key, "missing (required)");
        if (node is JsonObject o) return o;
        throw WrongType(key, "an object", node);
    }

    /// <summary>Stores the source order, the original known values and the unknown keys on the target.</summary>
    public void Finish(HfConfigObject target)
    {
        target.SourceKeyOrder = _obj.Select(p => p.Key).ToList();
        target.SourceValues = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var extension = new JsonObject();
        foreach (var (key, value) in _obj)
        {
            if (_known.Contains(key)) target.SourceValues[key] = value?.DeepClone();
            else extension[key] = value?.DeepClone();
        }
        target.ExtensionData = extension;
    }
}

/// <summary>Writes the known keys of one object and merges them with its extension data in source order.</summary>
internal sealed class HfConfigWriter
{
    private readonly HfConfigObject _source;
    private readonly bool _omitDefaults;
    private readonly List<string> _knownOrder = [];
    private readonly Dictionary<string, JsonNode?> _known = new(StringComparer.Ordinal);

    /// <param name="omitDefaults">Leave out keys that equal their default and were not in the source
    /// (transformers' <c>to_diff_dict</c>, used by <c>generation_config.json</c>).</param>
    public HfConfigWriter(HfConfigObject source, bool omitDefaults = false)
    {
        _source = source;
        _omitDefaults = omitDefaults;
    }

    private JsonNode? Original(string key) => _source.SourceValues is { } v && v.TryGetValue(key, out var n) ? n : null;

    private void Put(string key, JsonNode? node)
    {
        if (!_known.ContainsKey(key)) _knownOrder.Add(key);
        _known[key] = node;
    }

    private bool Skip<T>(string key, T value, T? fallback) =>
        _omitDefaults && !_source.InSource(key) && EqualityComparer<T>.Default.Equals(value, fallback!);

    public void Int(string key, int value, int? fallback = null)
    {
        if (Skip<int?>(key, value, fallback)) return;
        var o = Original(key);
        Put(key, o is not null && o.GetValueKind() == JsonValueKind.Number && o.GetValue<double>() == value ? o.DeepClone() : JsonValue.Create(value));
    }

    public void NullableInt(string key, int? value, bool writeNull, int? fallback = null)
    {
        if (value is null)
        {
            if (_source.InSource(key) || (writeNull && !_omitDefaults)) Put(key, null);
            return;
        }
        Int(key, value.Value, fallback);
    }

    public void IntOrIntList(string key, IReadOnlyList<int>? value, bool writeNull)
    {
        if (value is null)
        {
            if (_source.InSource(key) || (writeNull && !_omitDefaults)) Put(key, null);
            return;
        }
        var o = Original(key);
        if (o is JsonArray || value.Count != 1)
        {
            if (o is JsonArray oa && oa.Count == value.Count && oa.Select((n, i) => n is not null && n.GetValueKind() == JsonValueKind.Number && n.GetValue<double>() == value[i]).All(b => b))
                Put(key, o.DeepClone());
            else Put(key, new JsonArray(value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()));
        }
        else Int(key, value[0]);
    }

    public void Double(string key, double value, double? fallback = null)
    {
        if (Skip<double?>(key, value, fallback)) return;
        var o = Original(key);
        Put(key, o is not null && o.GetValueKind() == JsonValueKind.Number && o.GetValue<double>() == value ? o.DeepClone() : HfJson.DoubleNode(value));
    }

    public void Bool(string key, bool value, bool? fallback = null)
    {
        if (Skip<bool?>(key, value, fallback)) return;
        Put(key, JsonValue.Create(value));
    }

    public void String(string key, string? value, bool writeNull = false, string? fallback = null)
    {
        if (value is null)
        {
            if (_source.InSource(key) || (writeNull && !_omitDefaults)) Put(key, null);
            return;
        }
        if (_omitDefaults && !_source.InSource(key) && value == fallback) return;
        Put(key, JsonValue.Create(value));
    }

    public void StringList(string key, IReadOnlyList<string>? value, bool writeNull = false)
    {
        if (value is null)
        {
            if (_source.InSource(key) || writeNull) Put(key, null);
            return;
        }
        Put(key, new JsonArray(value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()));
    }

    public void Object(string key, JsonObject value) => Put(key, value);

    public JsonObject Build()
    {
        var result = new JsonObject();
        var extension = _source.ExtensionData;
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in _source.SourceKeyOrder ?? [])
        {
            if (_known.TryGetValue(key, out var known)) result[key] = known;
            else if (extension.TryGetPropertyValue(key, out var extra)) result[key] = extra?.DeepClone();
            else continue;
            written.Add(key);
        }
        foreach (var key in _knownOrder)
            if (written.Add(key)) result[key] = _known[key];
        foreach (var (key, value) in extension)
            if (written.Add(key)) result[key] = value?.DeepClone();
        return result;
    }
}
