using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SongGen.Hub.Cards;

/// <summary>
/// Building YAML nodes for card metadata and writing one top-level entry as text. Strings that PyYAML (which the Hub
/// and huggingface_hub use) would read as a number, bool, null or date are quoted, so a string stays a string.
/// </summary>
public static partial class CardYaml
{
    /// <summary>A string scalar, quoted when it would otherwise read back as another type.</summary>
    public static YamlScalarNode String(string value)
    {
        var node = new YamlScalarNode(value);
        if (ResolvesToNonString(value)) node.Style = ScalarStyle.SingleQuoted;
        return node;
    }

    /// <summary>A plain number scalar (invariant culture, shortest round-trip form).</summary>
    public static YamlScalarNode Number(double value) =>
        new(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : double.IsNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf")
        { Style = ScalarStyle.Plain };

    public static YamlScalarNode Number(long value) => new(value.ToString(CultureInfo.InvariantCulture)) { Style = ScalarStyle.Plain };

    public static YamlScalarNode Bool(bool value) => new(value ? "true" : "false") { Style = ScalarStyle.Plain };

    public static YamlSequenceNode StringList(IEnumerable<string> values) => new(values.Select(v => (YamlNode)String(v)));

    /// <summary>A mapping of the pairs whose value is not null, in the given order.</summary>
    public static YamlMappingNode Mapping(params (string Key, YamlNode? Value)[] pairs)
    {
        var mapping = new YamlMappingNode();
        foreach (var (key, value) in pairs)
            if (value is not null) mapping.Add(String(key), value);
        return mapping;
    }

    /// <summary>True for a plain scalar PyYAML (YAML 1.1) or a YAML 1.2 core schema resolves to int, float, bool, null or timestamp.</summary>
    public static bool ResolvesToNonString(string value) => value.Length == 0 || NonStringScalar().IsMatch(value);

    /// <summary>
    /// What a scalar means in JSON: plain scalars that resolve to null, bool or a number become those; everything else
    /// (quoted, block, or plain text) is a string.
    /// </summary>
    internal static object? Resolve(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return text;
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON") return true;
        if (text is "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF") return false;
        if (text is ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF") return double.PositiveInfinity;
        if (text is "-.inf" or "-.Inf" or "-.INF") return double.NegativeInfinity;
        if (text is ".nan" or ".NaN" or ".NAN") return double.NaN;
        if (IntegerScalar().IsMatch(text) && long.TryParse(text.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return integer;
        if (FloatScalar().IsMatch(text) && double.TryParse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
            return real;
        return text;
    }

    /// <summary>True when the scalar is empty or <c>null</c>/<c>~</c> written plain: PyYAML reads it as None, which the Hub treats as absent.</summary>
    internal static bool IsNull(YamlNode node) => node is YamlScalarNode scalar && Resolve(scalar) is null;

    /// <summary>One top-level <c>key: value</c> entry as block YAML text ending in <paramref name="lineBreak"/>.</summary>
    internal static string EmitEntry(string key, YamlNode value, string lineBreak, bool indentSequences) =>
        EmitDocument(new YamlMappingNode { { String(key), value } }, lineBreak, indentSequences);

    /// <summary>A whole mapping as block YAML text (no document markers), each line ending in <paramref name="lineBreak"/>.</summary>
    internal static string EmitDocument(YamlNode root, string lineBreak, bool indentSequences)
    {
        var settings = EmitterSettings.Default.WithBestWidth(int.MaxValue).WithNewLine(lineBreak);
        if (indentSequences) settings = settings.WithIndentedSequences();
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = lineBreak };
        new YamlStream(new YamlDocument(root)).Save(new Emitter(writer, settings), assignAnchors: false);
        var text = writer.ToString();
        // The emitter closes every document with an explicit end marker; a front-matter block has none.
        var marker = "..." + lineBreak;
        if (text.EndsWith(marker, StringComparison.Ordinal)) text = text[..^marker.Length];
        return text;
    }

    [GeneratedRegex(@"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|=|<<"
        + @"|[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*)"
        + @"|[-+]?(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?"
        + @"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
        + @"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?)$")]
    private static partial Regex NonStringScalar();

    [GeneratedRegex(@"^[-+]?(?:0|[1-9][0-9_]*)$")]
    private static partial Regex IntegerScalar();

    [GeneratedRegex(@"^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$")]
    private static partial Regex FloatScalar();
}
