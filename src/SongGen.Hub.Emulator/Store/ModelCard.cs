using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SongGen.Hub.Emulator.Store;

/// <summary>
/// The YAML front matter of a README.md, read just far enough for listings: <c>key: scalar</c>, <c>key: [a, b]</c> and
/// block lists (<c>key:</c> followed by <c>- item</c> lines). Nested mappings are skipped. The result is what the
/// Hub exposes as <c>cardData</c>, plus the tags the Hub derives from it.
/// </summary>
internal sealed partial class ModelCard
{
    private ModelCard(JsonObject data) => Data = data;

    public static ModelCard Empty => new([]);

    /// <summary>Parsed front matter; shared and cached, so <see cref="JsonNode.DeepClone"/> it before putting it in a response.</summary>
    public JsonObject Data { get; }

    public string? PipelineTag => ScalarText("pipeline_tag");
    public string? LibraryName => ScalarText("library_name");
    public string? Sdk => ScalarText("sdk");

    /// <summary>The YAML text between the "---" lines at the start of a README, or null when there is no such block.</summary>
    public static string? FrontMatterText(string readme)
    {
        var match = FrontMatter().Match(readme);
        return match.Success ? match.Groups[2].Value : null;
    }

    public static ModelCard Parse(string readme)
    {
        var match = FrontMatter().Match(readme);
        if (!match.Success)
        {
            return Empty;
        }
        var data = new JsonObject();
        string? listKey = null;
        foreach (var rawLine in match.Groups[2].Value.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("- ", StringComparison.Ordinal) || trimmed == "-")
            {
                if (listKey is not null && data[listKey] is JsonArray list)
                {
                    list.Add(Scalar(trimmed.Length > 1 ? trimmed[2..].Trim() : ""));
                }
                continue;
            }
            if (line.StartsWith(' ') || line.StartsWith('\t'))
            {
                continue; // inside a nested mapping: not needed for listings
            }
            listKey = null;
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }
            var key = Unquote(line[..colon].Trim());
            var value = line[(colon + 1)..].Trim();
            if (value.Length == 0)
            {
                data[key] = new JsonArray(); // a block list follows, or an empty/nested value
                listKey = key;
            }
            else if (value.StartsWith('[') && value.EndsWith(']'))
            {
                var items = value[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                data[key] = new JsonArray(items.Select(Scalar).ToArray());
            }
            else
            {
                data[key] = Scalar(value);
            }
        }
        return new ModelCard(data);
    }

    /// <summary>Values of a key that may be a scalar or a list, as strings.</summary>
    public IReadOnlyList<string> Strings(string key) => Data[key] switch
    {
        JsonArray array => array.Where(n => n is not null).Select(n => n!.ToString()).ToList(),
        JsonValue value => [value.ToString()],
        _ => [],
    };

    /// <summary>Tags the Hub derives from card metadata (observed on real repos).</summary>
    public IEnumerable<string> DerivedTags(RepoKind kind)
    {
        foreach (var tag in Strings("tags")) yield return tag;
        foreach (var language in Strings("language")) yield return kind == RepoKind.Dataset ? "language:" + language : language;
        foreach (var license in Strings("license")) yield return "license:" + license;
        foreach (var dataset in Strings("datasets")) yield return "dataset:" + dataset;
        foreach (var baseModel in Strings("base_model")) yield return "base_model:" + baseModel;
        if (kind == RepoKind.Dataset)
        {
            foreach (var category in Strings("task_categories")) yield return "task_categories:" + category;
            foreach (var size in Strings("size_categories")) yield return "size_categories:" + size;
        }
    }

    private string? ScalarText(string key) => Data[key] is JsonValue value ? value.ToString() : null;

    private static JsonNode? Scalar(string text)
    {
        if (text.Length >= 2 && (text[0] == '"' && text[^1] == '"' || text[0] == '\'' && text[^1] == '\''))
        {
            return JsonValue.Create(text[1..^1]);
        }
        switch (text)
        {
            case "true" or "True": return JsonValue.Create(true);
            case "false" or "False": return JsonValue.Create(false);
            case "null" or "~": return null;
        }
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && text.Any(char.IsDigit))
        {
            return JsonValue.Create(real);
        }
        return JsonValue.Create(text);
    }

    private static string Unquote(string text) =>
        text.Length >= 2 && (text[0] == '"' || text[0] == '\'') && text[^1] == text[0] ? text[1..^1] : text;

    // The Hub's own front-matter rule: a block between two "---" lines at the very start.
    [GeneratedRegex(@"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")]
    private static partial Regex FrontMatter();
}
