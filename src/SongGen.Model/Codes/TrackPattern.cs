namespace SongGen.Model.Codes;

/// <summary>How the decoder lays out the codebooks of one or two tracks (config <c>track_pattern</c>).</summary>
public enum TrackPattern
{
    /// <summary>Single mixed track (K codebooks).</summary>
    Mixed,
    /// <summary>Single mixed track with auxiliary vocal heads (same layout as <see cref="Mixed"/>).</summary>
    MixedPro,
    /// <summary>Dual track, 2K rows: accompaniment rows then vocal rows, same length.</summary>
    ParallelStd,
    /// <summary>Dual track, 2K rows: accompaniment + PAD column, BOS column + vocal (vocal lags one frame).</summary>
    ParallelAV,
    /// <summary>Dual track, 2K rows: BOS column + accompaniment, vocal + PAD column (accompaniment lags one frame).</summary>
    ParallelVA,
    /// <summary>Dual track, K rows, 2L columns: a0 v0 a1 v1 …</summary>
    InterleavingAV,
    /// <summary>Dual track, K rows, 2L columns: v0 a0 v1 a1 …</summary>
    InterleavingVA,
}

public static class TrackPatterns
{
    /// <summary>Parses the config spelling (<c>mixed</c>, <c>mixed_pro</c>, <c>parallel_std</c>, <c>parallel_A_V</c>,
    /// <c>parallel_V_A</c>, <c>interleaving_A_V</c>, <c>interleaving_V_A</c>).</summary>
    public static TrackPattern Parse(string name) => name switch
    {
        "mixed" => TrackPattern.Mixed,
        "mixed_pro" => TrackPattern.MixedPro,
        "parallel_std" => TrackPattern.ParallelStd,
        "parallel_A_V" => TrackPattern.ParallelAV,
        "parallel_V_A" => TrackPattern.ParallelVA,
        "interleaving_A_V" => TrackPattern.InterleavingAV,
        "interleaving_V_A" => TrackPattern.InterleavingVA,
        _ => throw new ArgumentException($"unknown track pattern '{name}'", nameof(name)),
    };

    /// <summary>The config spelling of a pattern.</summary>
    public static string ToConfigName(this TrackPattern pattern) => pattern switch
    {
        TrackPattern.Mixed => "mixed",
        TrackPattern.MixedPro => "mixed_pro",
        TrackPattern.ParallelStd => "parallel_std",
        TrackPattern.ParallelAV => "parallel_A_V",
        TrackPattern.ParallelVA => "parallel_V_A",
        TrackPattern.InterleavingAV => "interleaving_A_V",
        TrackPattern.InterleavingVA => "interleaving_V_A",
        _ => throw new ArgumentOutOfRangeException(nameof(pattern)),
    };

    public static bool IsParallel(this TrackPattern p) => p is TrackPattern.ParallelStd or TrackPattern.ParallelAV or TrackPattern.ParallelVA;
    public static bool IsInterleaving(this TrackPattern p) => p is TrackPattern.InterleavingAV or TrackPattern.InterleavingVA;
    public static bool IsDualTrack(this TrackPattern p) => p.IsParallel() || p.IsInterleaving();

    /// <summary>Rows of decoder ids per item: 2K for parallel patterns, K otherwise.</summary>
    public static int RowsPerItem(this TrackPattern p, int numCodebooks) => p.IsParallel() ? 2 * numCodebooks : numCodebooks;
}
