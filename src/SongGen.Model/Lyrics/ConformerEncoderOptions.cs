namespace SongGen.Model.Lyrics;

/// <summary>
/// Constructor arguments of the lyrics Conformer as SongGen builds it (all defaults except <c>static_chunk_size = 0</c>):
/// pre-LN, SiLU, no macaron, no convolution module, key bias, rel-pos (espnet) encoding, full bidirectional attention.
/// Only the configuration the released models use is supported.
/// </summary>
public sealed record ConformerEncoderOptions
{
    public long InputSize { get; init; } = 1024;
    public long OutputSize { get; init; } = 1024;
    public long AttentionHeads { get; init; } = 16;
    public long LinearUnits { get; init; } = 4096;
    public int NumBlocks { get; init; } = 6;
    public double DropoutRate { get; init; } = 0.1;
    public double PositionalDropoutRate { get; init; } = 0.1;
    public double AttentionDropoutRate { get; init; } = 0.0;
    /// <summary>Maximum relative distance of the (unsaved) table: the reference builds r = −(max_len−1) … max_len−1.</summary>
    public long PositionalEncodingMaxLength { get; init; } = 5000;
    public double LayerNormEps { get; init; } = 1e-5;
}
