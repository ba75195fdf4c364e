using SongGen.Checkpoints.Binding;

namespace SongGen.Model.Persistence;

/// <summary>What <see cref="SongGenPretrained.Load"/> found in a model folder.</summary>
/// <param name="Folder">The folder read.</param>
/// <param name="Weights">The composite's and the text encoder's keys under their checkpoint names (<c>text_encoder.</c> prefixed).</param>
/// <param name="AudioPartKeys">Checkpoint keys of MERT (<c>mert_model.*</c>) and the X-Codec (<c>audio_encoder.*</c>): the audio part, not loaded by the model.</param>
/// <param name="GenerationConfigFound">False when the folder has no <c>generation_config.json</c> (then it was derived from <c>config.json</c>).</param>
public sealed record SongGenLoadReport(string Folder, LoadReport Weights, IReadOnlyList<string> AudioPartKeys, bool GenerationConfigFound)
{
    /// <summary>How the audio part's keys are described.</summary>
    public const string AudioPartNote = "audio part, not loaded by the model";

    public override string ToString()
    {
        var lines = new List<string> { $"{Folder}: {Weights}" };
        if (AudioPartKeys.Count > 0)
        {
            var byPrefix = AudioPartKeys.GroupBy(SongGenPretrained.AudioPartPrefixOf).Select(g => $"{g.Key}* {g.Count()}");
            lines.Add($"  {AudioPartKeys.Count} keys ({string.Join(", ", byPrefix)}): {AudioPartNote}");
        }
        if (!GenerationConfigFound) lines.Add("  no generation_config.json: derived from config.json");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>The weights of a model folder do not fit the modules its <c>config.json</c> describes; <see cref="Report"/> says how.</summary>
public sealed class SongGenLoadException(string folder, LoadReport report)
    : Exception($"{folder}: the weights do not fit config.json ({Summary(report)})")
{
    public string Folder { get; } = folder;

    public LoadReport Report { get; } = report;

    private static string Summary(LoadReport r)
    {
        static string Few(IEnumerable<string> keys)
        {
            var list = keys.ToList();
            return string.Join(", ", list.Take(5)) + (list.Count > 5 ? $", … ({list.Count - 5} more)" : "");
        }
        var parts = new List<string>();
        if (r.Missing.Count > 0) parts.Add($"{r.Missing.Count} missing: {Few(r.Missing)}");
        if (r.Unexpected.Count > 0) parts.Add($"{r.Unexpected.Count} unexpected: {Few(r.Unexpected)}");
        if (r.ShapeMismatched.Count > 0) parts.Add($"{r.ShapeMismatched.Count} of another shape: {Few(r.ShapeMismatched.Select(m => m.ToString()))}");
        return string.Join("; ", parts);
    }
}
