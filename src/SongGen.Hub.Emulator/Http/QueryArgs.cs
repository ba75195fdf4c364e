namespace SongGen.Hub.Emulator.Http;

/// <summary>
/// Query parameters as clients send them: keys repeat (<c>expand=a&amp;expand=b</c>) and some clients use bracket
/// keys (<c>expand[]=likes</c>), which mean the same.
/// </summary>
internal sealed class QueryArgs
{
    private readonly List<(string Key, string Value)> _pairs;

    private QueryArgs(List<(string Key, string Value)> pairs) => _pairs = pairs;

    public static QueryArgs Parse(string rawQuery)
    {
        var pairs = new List<(string, string)>();
        foreach (var piece in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = piece.IndexOf('=');
            var key = Decode(equals < 0 ? piece : piece[..equals]);
            var value = equals < 0 ? "" : Decode(piece[(equals + 1)..]);
            pairs.Add((key.EndsWith("[]", StringComparison.Ordinal) ? key[..^2] : key, value));
        }
        return new QueryArgs(pairs);
    }

    public string? Get(string key) => _pairs.LastOrDefault(pair => pair.Key == key).Value;

    /// <summary>Every value of a repeated key, also splitting comma-separated values.</summary>
    public IReadOnlyList<string> GetAll(string key) => _pairs
        .Where(pair => pair.Key == key)
        .SelectMany(pair => pair.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .ToList();

    public bool Has(string key) => _pairs.Any(pair => pair.Key == key);

    /// <summary>True for "true", "1", "True" (how Python and JS spell booleans).</summary>
    public bool Flag(string key) => Get(key) is { } value && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    public int? Int(string key) => int.TryParse(Get(key), out var value) ? value : null;

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
