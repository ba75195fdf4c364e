using System.Text.Json;

namespace SongGen.Text;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> whose model is BPE: vocab, merges (<c>"a b"</c> strings or
/// <c>["a","b"]</c> arrays), unk token, added tokens, and a <c>Whitespace</c> pre-tokenizer or none. Settings this
/// reader does not implement (normalizers, other pre-tokenizers, subword prefixes/suffixes, dropout, byte fallback,
/// added tokens with lstrip/rstrip/single_word/normalized) are refused rather than ignored.
/// </summary>
internal static class BpeTokenizerJson
{
    public static BpeModel Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var model = root.GetProperty("model");
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (type != "BPE") throw new NotSupportedException($"tokenizer.json model type '{type}' is not BPE.");

        RequireNull(root, "normalizer");
        RequireNullOrFalse(model, "continuing_subword_prefix");
        RequireNullOrFalse(model, "end_of_word_suffix");
        RequireNullOrFalse(model, "byte_fallback");
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
        {
            throw new NotSupportedException("BPE dropout is not supported.");
        }

        var whitespace = false;
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind != JsonValueKind.Null)
        {
            var preType = pre.GetProperty("type").GetString();
            if (preType != "Whitespace") throw new NotSupportedException($"Pre-tokenizer '{preType}' is not supported (only Whitespace).");
            whitespace = true;
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject()) vocab[entry.Name] = entry.Value.GetInt32();

        var merges = new List<(string, string)>();
        foreach (var merge in model.GetProperty("merges").EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.Array)
            {
                var parts = merge.EnumerateArray().Select(p => p.GetString()!).ToArray();
                if (parts.Length != 2) throw new InvalidDataException($"Merge {merge} does not have two parts.");
                merges.Add((parts[0], parts[1]));
            }
            else
            {
                var parts = merge.GetString()!.Split(' ');
                if (parts.Length != 2) throw new InvalidDataException($"Merge '{merge.GetString()}' does not have two parts.");
                merges.Add((parts[0], parts[1]));
            }
        }

        var added = new List<(string, int)>();
        if (root.TryGetProperty("added_tokens", out var addedTokens) && addedTokens.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in addedTokens.EnumerateArray())
            {
                var content = token.GetProperty("content").GetString()!;
                foreach (var flag in new[] { "lstrip", "rstrip", "single_word", "normalized" })
                {
                    if (token.TryGetProperty(flag, out var value) && value.ValueKind == JsonValueKind.True)
                    {
                        throw new NotSupportedException($"Added token '{content}' sets {flag}, which is not supported.");
                    }
                }
                added.Add((content, token.GetProperty("id").GetInt32()));
            }
        }

        var unk = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var fuseUnk = model.TryGetProperty("fuse_unk", out var f) && f.ValueKind == JsonValueKind.True;
        var ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
        return new BpeModel(vocab, merges, added, unk, fuseUnk, ignoreMerges, whitespace);
    }

    private static void RequireNull(JsonElement element, string name)
    {
        if (element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            throw new NotSupportedException($"tokenizer.json '{name}' is set; this loader supports none.");
        }
    }

    private static void RequireNullOrFalse(JsonElement element, string name)
    {
        if (element.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.False))
        {
            throw new NotSupportedException($"BPE option '{name}' is not supported.");
        }
    }
}
