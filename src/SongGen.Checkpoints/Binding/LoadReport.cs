namespace SongGen.Checkpoints.Binding;

/// <summary>A tensor whose shape in the checkpoint differs from the module's.</summary>
public sealed record ShapeMismatch(string Key, long[] ModuleShape, long[] CheckpointShape)
{
    public override string ToString() => $"{Key}: module [{string.Join(", ", ModuleShape)}], checkpoint [{string.Join(", ", CheckpointShape)}]";
}

/// <summary>What <see cref="StateDictLoader.Load"/> did: module keys loaded (and from which checkpoint key), and what did not fit.</summary>
public sealed record LoadReport(
    IReadOnlyDictionary<string, string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<ShapeMismatch> ShapeMismatched)
{
    /// <summary>True when every module key was loaded and every checkpoint key was used.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatched.Count == 0;

    public override string ToString()
    {
        var lines = new List<string> { $"loaded {Loaded.Count}, missing {Missing.Count}, unexpected {Unexpected.Count}, shape-mismatched {ShapeMismatched.Count}" };
        lines.AddRange(Missing.Select(k => $"  missing: {k}"));
        lines.AddRange(Unexpected.Select(k => $"  unexpected: {k}"));
        lines.AddRange(ShapeMismatched.Select(m => $"  shape mismatch: {m}"));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Strict loading found keys that do not fit; <see cref="Report"/> lists them.</summary>
public sealed class StateDictMismatchException(LoadReport report)
    : Exception("The state dict does not match the module: " + report)
{
    public LoadReport Report { get; } = report;
}
