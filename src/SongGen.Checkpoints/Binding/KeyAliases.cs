namespace SongGen.Checkpoints.Binding;

/// <summary>
/// Other names a checkpoint may use for a module key: the two spellings of weight norm
/// (<c>X.weight_g</c>/<c>X.weight_v</c> before torch 2.1, <c>X.parametrizations.weight.original0</c>/<c>original1</c> after),
/// and the tied T5 embedding (<c>encoder.embed_tokens.weight</c> saved only as <c>shared.weight</c>, or the reverse).
/// </summary>
public static class KeyAliases
{
    private static readonly (string A, string B)[] SuffixPairs =
    [
        (".weight_g", ".parametrizations.weight.original0"),
        (".weight_v", ".parametrizations.weight.original1"),
    ];

    private static readonly (string A, string B)[] TiedPairs =
    [
        ("encoder.embed_tokens.weight", "shared.weight"),
    ];

    /// <summary>The names a checkpoint may hold a module key under, the key itself first.</summary>
    public static IEnumerable<string> CandidatesFor(string key)
    {
        yield return key;
        foreach (var (a, b) in SuffixPairs)
        {
            if (key.EndsWith(a, StringComparison.Ordinal))
            {
                yield return key[..^a.Length] + b;
            }
            else if (key.EndsWith(b, StringComparison.Ordinal))
            {
                yield return key[..^b.Length] + a;
            }
        }
        foreach (var (a, b) in TiedPairs)
        {
            if (key == a || key.EndsWith("." + a, StringComparison.Ordinal))
            {
                yield return key[..^a.Length] + b;
            }
            else if (key == b || key.EndsWith("." + b, StringComparison.Ordinal))
            {
                yield return key[..^b.Length] + a;
            }
        }
    }

    /// <summary>Whether two keys name the same tied weight (so one copy in the checkpoint serves both).</summary>
    internal static bool AreTied(string moduleKey, string checkpointKey) =>
        TiedPairs.Any(p =>
            (moduleKey.EndsWith(p.A, StringComparison.Ordinal) && checkpointKey.EndsWith(p.B, StringComparison.Ordinal)) ||
            (moduleKey.EndsWith(p.B, StringComparison.Ordinal) && checkpointKey.EndsWith(p.A, StringComparison.Ordinal)));
}
