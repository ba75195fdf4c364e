using System.Text.RegularExpressions;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// What <c>POST /api/validate-yaml</c> checks in a README's front matter, as far as the emulator can without a YAML
/// library: the block is a mapping of <c>key: …</c> lines (no tabs, no duplicate keys), <c>license</c> is one of the
/// Hub's license ids, <c>base_model_relation</c> one of its four values and <c>model-index</c> a list. Warnings:
/// no metadata at all, <c>license: other</c> without <c>license_name</c>.
/// </summary>
internal static partial class CardValidator
{
    /// <summary>The license ids the Hub accepts in card metadata.</summary>
    public static readonly IReadOnlySet<string> Licenses = new HashSet<string>(StringComparer.Ordinal)
    {
        "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m", "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd", "bsd-2-clause", "bsd-3-clause",
        "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0",
        "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0", "epl-1.0", "epl-2.0",
        "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl", "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1",
        "lgpl-3.0", "isc", "h-research", "intel-research", "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0",
        "odc-by", "odbl", "openmdw-1.0", "openrail++", "osl-3.0", "postgresql", "ofl-1.1", "ncsa", "unlicense", "zlib",
        "pddl", "lgpl-lr", "deepfloyd-if-license", "fair-noncommercial-research-license", "llama2", "llama3",
        "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma", "unknown", "other",
    };

    private static readonly string[] BaseModelRelations = ["adapter", "merge", "quantized", "finetune"];

    public static (List<string> Errors, List<string> Warnings) Validate(string readme)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        var yaml = ModelCard.FrontMatterText(readme);
        if (yaml is null || yaml.Trim().Length == 0)
        {
            warnings.Add("empty or missing yaml metadata in repo card");
            return (errors, warnings);
        }
        var lines = yaml.Replace("\r\n", "\n").Split('\n');
        var keys = new HashSet<string>(StringComparer.Ordinal);
        string? previousKey = null;
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            if (line.TakeWhile(char.IsWhiteSpace).Contains('\t'))
            {
                errors.Add($"Invalid YAML in the card metadata, line {index + 2}: tabs are not allowed for indentation.");
                continue;
            }
            if (char.IsWhiteSpace(line[0]) || line.StartsWith("- ", StringComparison.Ordinal) || line == "-")
            {
                if (previousKey is null)
                {
                    errors.Add("The card metadata must be a YAML mapping (key: value), not a list or a scalar.");
                    return (errors, warnings);
                }
                continue; // a value of the key above
            }
            var match = KeyLine().Match(line);
            if (!match.Success)
            {
                errors.Add($"Invalid YAML in the card metadata, line {index + 2}: expected \"key: value\", got \"{line.Trim()}\".");
                continue;
            }
            var key = match.Groups[1].Value.Trim('"', '\'');
            if (!keys.Add(key))
            {
                errors.Add($"Invalid YAML in the card metadata: duplicated key \"{key}\".");
            }
            previousKey = key;
            if (key == "model-index" && match.Groups[2].Value.Trim() is { Length: > 0 } inline && !inline.StartsWith('['))
            {
                errors.Add("\"model-index\" must be an array");
            }
            if (key == "model-index" && match.Groups[2].Value.Trim().Length == 0 && !NextValueIsList(lines, index))
            {
                errors.Add("\"model-index\" must be an array");
            }
        }
        if (errors.Count > 0)
        {
            return (errors, warnings);
        }
        var card = ModelCard.Parse(readme);
        foreach (var license in card.Strings("license"))
        {
            if (!Licenses.Contains(license))
            {
                errors.Add($"\"license\" must be one of [{string.Join(", ", Licenses.Order(StringComparer.Ordinal))}]");
            }
            else if (license == "other" && card.Strings("license_name").Count == 0)
            {
                warnings.Add("license is \"other\": add license_name and license_link");
            }
        }
        foreach (var relation in card.Strings("base_model_relation"))
        {
            if (!BaseModelRelations.Contains(relation))
            {
                errors.Add($"\"base_model_relation\" must be one of [{string.Join(", ", BaseModelRelations)}]");
            }
        }
        return (errors, warnings);
    }

    private static bool NextValueIsList(string[] lines, int index)
    {
        for (var next = index + 1; next < lines.Length; next++)
        {
            var trimmed = lines[next].Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }
            return trimmed.StartsWith('-');
        }
        return false;
    }

    [GeneratedRegex(@"^(""[^""]*""|'[^']*'|[^:#][^:]*):(\s.*|)$")]
    private static partial Regex KeyLine();
}
