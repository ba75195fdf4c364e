namespace SongGen.Model.Config;

/// <summary>How the decoder sees the audio tracks (<c>decoder.track_pattern</c> in <c>config.json</c>).</summary>
public enum TrackPattern
{
    /// <summary><c>mixed</c>: one mixed track, 8 codebook rows.</summary>
    Mixed,
    /// <summary><c>mixed_pro</c>: one mixed track, 8 rows; may add the auxiliary vocal heads (<c>add_vocal_loss</c>).</summary>
    MixedPro,
    /// <summary><c>parallel_std</c>: accompaniment rows then vocal rows, 16 rows, aligned frames.</summary>
    ParallelStd,
    /// <summary><c>parallel_A_V</c>: 16 rows, the vocal rows lag the accompaniment by one frame.</summary>
    ParallelAV,
    /// <summary><c>parallel_V_A</c>: 16 rows, the accompaniment rows lag the vocal by one frame.</summary>
    ParallelVA,
    /// <summary><c>interleaving_A_V</c>: 8 rows, a0 v0 a1 v1 … along time (2 steps per frame).</summary>
    InterleavingAV,
    /// <summary><c>interleaving_V_A</c>: 8 rows, v0 a0 v1 a1 … along time (2 steps per frame).</summary>
    InterleavingVA,
}

/// <summary>Which audio track (for the dual-track patterns).</summary>
public enum AudioTrack
{
    Accompaniment,
    Vocal,
}

/// <summary>Names and properties of <see cref="TrackPattern"/>.</summary>
public static class TrackPatterns
{
    /// <summary>All patterns, in declaration order.</summary>
    public static IReadOnlyList<TrackPattern> All { get; } = Enum.GetValues<TrackPattern>();

    /// <summary>The name used in <c>config.json</c> (e.g. <c>interleaving_A_V</c>).</summary>
    public static string ToHfName(this TrackPattern pattern) => pattern switch
    {
        TrackPattern.Mixed => "mixed",
        TrackPattern.MixedPro => "mixed_pro",
        TrackPattern.ParallelStd => "parallel_std",
        TrackPattern.ParallelAV => "parallel_A_V",
        TrackPattern.ParallelVA => "parallel_V_A",
        TrackPattern.InterleavingAV => "interleaving_A_V",
        TrackPattern.InterleavingVA => "interleaving_V_A",
        _ => throw new ArgumentOutOfRangeException(nameof(pattern), pattern, null),
    };

    /// <summary>Parses a <c>config.json</c> name; exact and case-sensitive, as the reference compares strings.</summary>
    public static bool TryParse(string? name, out TrackPattern pattern)
    {
        foreach (var p in All)
            if (p.ToHfName() == name) { pattern = p; return true; }
        pattern = default;
        return false;
    }

    public static TrackPattern Parse(string name) =>
        TryParse(name, out var p) ? p : throw new ArgumentException($"unknown track pattern '{name}'; expected one of {string.Join(", ", All.Select(x => x.ToHfName()))}", nameof(name));

    /// <summary>Accompaniment and vocal are modelled as two tracks (parallel_* and interleaving_*).</summary>
    public static bool IsDualTrack(this TrackPattern p) => p is not (TrackPattern.Mixed or TrackPattern.MixedPro);

    /// <summary>One track over 8 rows (mixed, mixed_pro).</summary>
    public static bool IsMixed(this TrackPattern p) => !p.IsDualTrack();

    /// <summary>The two tracks alternate along time on the same 8 rows.</summary>
    public static bool IsInterleaved(this TrackPattern p) => p is TrackPattern.InterleavingAV or TrackPattern.InterleavingVA;

    /// <summary>The two tracks sit on separate rows (the name starts with <c>parallel</c>): twice the embeddings and heads.</summary>
    public static bool IsParallel(this TrackPattern p) => p is TrackPattern.ParallelStd or TrackPattern.ParallelAV or TrackPattern.ParallelVA;

    /// <summary>Number of audio tracks: 1 (mixed) or 2.</summary>
    public static int NumTracks(this TrackPattern p) => p.IsDualTrack() ? 2 : 1;

    /// <summary>Codebook rows (streams) the decoder reads and predicts per step: <paramref name="numCodebooks"/>,
    /// or twice that for parallel patterns. Also the number of token embeddings and LM heads.</summary>
    public static int NumStreams(this TrackPattern p, int numCodebooks = 8) => p.IsParallel() ? 2 * numCodebooks : numCodebooks;

    /// <summary>Decoder steps per audio frame: 2 for interleaving, else 1.</summary>
    public static int StepsPerFrame(this TrackPattern p) => p.IsInterleaved() ? 2 : 1;

    /// <summary>Divisor of the summed token embeddings: <c>NumStreams / numCodebooks</c> (2 for parallel, else 1).</summary>
    public static int EmbeddingDivisor(this TrackPattern p) => p.IsParallel() ? 2 : 1;

    /// <summary>The track that comes first (interleaving) or leads by a frame (parallel_A_V / _V_A); null for
    /// mixed patterns and for <c>parallel_std</c>.</summary>
    public static AudioTrack? LeadingTrack(this TrackPattern p) => p switch
    {
        TrackPattern.ParallelAV or TrackPattern.InterleavingAV => AudioTrack.Accompaniment,
        TrackPattern.ParallelVA or TrackPattern.InterleavingVA => AudioTrack.Vocal,
        _ => null,
    };

    /// <summary>Frames by which the lagging track is shifted: 1 for parallel_A_V / parallel_V_A, else 0.</summary>
    public static int TrackLagFrames(this TrackPattern p) => p is TrackPattern.ParallelAV or TrackPattern.ParallelVA ? 1 : 0;

    /// <summary>The auxiliary vocal heads (<c>add_vocal_loss</c>) are only allowed with <c>mixed_pro</c>.</summary>
    public static bool AllowsVocalLoss(this TrackPattern p) => p == TrackPattern.MixedPro;
}
