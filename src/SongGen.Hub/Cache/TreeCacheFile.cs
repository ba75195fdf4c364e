using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SongGen.Hub;

/// <summary>
/// One file of a cached recursive tree listing (<c>trees/&lt;commit&gt;.json</c>), mirroring the <c>/tree</c> endpoint:
/// <see cref="BlobId"/> is the git oid, <see cref="LfsSha256"/>/<see cref="LfsSize"/> are set for LFS files.
/// </summary>
public sealed record TreeCacheEntry(string Path, long Size, string BlobId, string? LfsSha256 = null, long? LfsSize = null, string? XetHash = null)
{
    /// <summary>The etag a download of this file carries, i.e. the blob name in the cache.</summary>
    public string Etag => LfsSha256 ?? BlobId;
}

/// <summary>
/// Reads and writes the tree listing cache byte-for-byte as huggingface_hub ≥1.22 (<c>_tree_cache.py</c>):
/// <c>json.dump({"format_version": 1, "files": {path: entry for path in sorted(paths)}}, f, indent=1)</c>, where an
/// entry's keys are in insertion order <c>size, blob_id[, lfs_sha256, lfs_size][, xet_hash]</c> (no <c>sort_keys</c>),
/// <c>ensure_ascii</c> escaping, separators <c>","</c> at line ends and <c>": "</c>, and no final newline.
/// </summary>
internal static class TreeCacheFile
{
    public const int FormatVersion = 1;

    public static string Serialize(IEnumerable<TreeCacheEntry> entries)
    {
        var byPath = new Dictionary<string, TreeCacheEntry>(StringComparer.Ordinal);
        foreach (TreeCacheEntry entry in entries)
            byPath[entry.Path] = entry;
        var paths = byPath.Keys.ToList();
        paths.Sort(CodePointComparer.Instance);

        var json = new StringBuilder();
        json.Append("{\n \"format_version\": ").Append(FormatVersion).Append(",\n \"files\": ");
        if (paths.Count == 0)
        {
            json.Append("{}");
        }
        else
        {
            json.Append("{\n");
            for (int i = 0; i < paths.Count; i++)
            {
                TreeCacheEntry entry = byPath[paths[i]];
                json.Append("  ");
                AppendString(json, entry.Path);
                json.Append(": {\n");
                var fields = new List<(string Key, string Value)>
                {
                    ("size", Number(entry.Size)),
                    ("blob_id", Quoted(entry.BlobId)),
                };
                if (entry.LfsSha256 is not null)
                {
                    fields.Add(("lfs_sha256", Quoted(entry.LfsSha256)));
                    fields.Add(("lfs_size", entry.LfsSize is { } lfsSize ? Number(lfsSize) : "null"));
                }
                if (entry.XetHash is not null)
                    fields.Add(("xet_hash", Quoted(entry.XetHash)));
                for (int f = 0; f < fields.Count; f++)
                {
                    json.Append("   \"").Append(fields[f].Key).Append("\": ").Append(fields[f].Value);
                    json.Append(f + 1 < fields.Count ? ",\n" : "\n");
                }
                json.Append(i + 1 < paths.Count ? "  },\n" : "  }\n");
            }
            json.Append(" }");
        }
        json.Append("\n}");
        return json.ToString();
    }

    /// <summary>Whether Python would write/trust this listing: every Xet hash present must be 64 hex digits.</summary>
    public static bool IsValid(IEnumerable<TreeCacheEntry> entries) => entries.All(e => e.XetHash is null || ContentHasher.IsSha256Etag(e.XetHash));

    /// <summary>Parses a listing; null when the text is malformed, has another format version, or is invalid.</summary>
    public static Dictionary<string, TreeCacheEntry>? Parse(string text)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("format_version", out JsonElement version)
                || version.ValueKind != JsonValueKind.Number
                || version.GetDouble() != FormatVersion
                || !root.TryGetProperty("files", out JsonElement files)
                || files.ValueKind != JsonValueKind.Object)
                return null;

            var result = new Dictionary<string, TreeCacheEntry>(StringComparer.Ordinal);
            foreach (JsonProperty file in files.EnumerateObject())
            {
                JsonElement info = file.Value;
                if (info.ValueKind != JsonValueKind.Object
                    || !info.TryGetProperty("size", out JsonElement size) || !size.TryGetInt64(out long sizeValue)
                    || !info.TryGetProperty("blob_id", out JsonElement blobId) || blobId.ValueKind != JsonValueKind.String)
                    return null;
                var entry = new TreeCacheEntry(
                    file.Name,
                    sizeValue,
                    blobId.GetString()!,
                    OptionalString(info, "lfs_sha256"),
                    OptionalInt64(info, "lfs_size"),
                    OptionalString(info, "xet_hash"));
                result[file.Name] = entry;
            }
            return IsValid(result.Values) ? result : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? OptionalString(JsonElement info, string name) =>
        !info.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new FormatException($"'{name}' must be a string.");

    private static long? OptionalInt64(JsonElement info, string name) =>
        !info.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? null
        : value.TryGetInt64(out long number) ? number
        : throw new FormatException($"'{name}' must be an integer.");

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Quoted(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        AppendString(builder, value);
        return builder.ToString();
    }

    /// <summary>A JSON string as Python's <c>json.dumps(ensure_ascii=True)</c> writes it (lowercase <c>\uXXXX</c>, UTF-16 pairs).</summary>
    internal static void AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < ' ' || c > '~')
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        builder.Append(c);
                    break;
            }
        }
        builder.Append('"');
    }
}

/// <summary>Orders strings by Unicode code point, as Python's <c>sorted()</c> on <c>str</c> (UTF-16 order differs above U+FFFF).</summary>
internal sealed class CodePointComparer : IComparer<string>
{
    public static readonly CodePointComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null)
            return -1;
        if (y is null)
            return 1;
        int length = Math.Min(x.Length, y.Length);
        for (int i = 0; i < length; i++)
        {
            if (x[i] != y[i])
                return Rank(x[i]) - Rank(y[i]);
        }
        return x.Length - y.Length;
    }

    // Surrogates (which encode code points ≥ U+10000) must sort after U+E000..U+FFFF.
    private static int Rank(char c) => c switch
    {
        >= '\uD800' and <= '\uDFFF' => c + 0x2000,
        >= '\uE000' => c - 0x800,
        _ => c,
    };
}
