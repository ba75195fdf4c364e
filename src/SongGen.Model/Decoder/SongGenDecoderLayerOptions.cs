namespace SongGen.Model.Decoder;

/// <summary>
/// Hyper-parameters of one <see cref="SongGenDecoderLayer"/> (the decoder config's <c>hidden_size</c>,
/// <c>num_attention_heads</c>, <c>num_key_value_heads</c>, <c>num_cross_attention_key_value_heads</c>, <c>ffn_dim</c>,
/// <c>activation_function</c>, dropouts). Defaults are the released SongGen decoder.
/// </summary>
public sealed record SongGenDecoderLayerOptions
{
    public long HiddenSize { get; init; } = 1024;
    public long NumAttentionHeads { get; init; } = 16;
    /// <summary>Key/value heads of the self-attention (grouped-query when smaller than <see cref="NumAttentionHeads"/>).</summary>
    public long NumKeyValueHeads { get; init; } = 16;
    /// <summary>Key/value heads of the cross-attention.</summary>
    public long NumCrossAttentionKeyValueHeads { get; init; } = 16;
    public long FfnDim { get; init; } = 4096;
    /// <summary>Only <c>"gelu"</c> (exact erf GELU) is used by SongGen; <c>"relu"</c> and <c>"silu"</c> are accepted too.</summary>
    public string ActivationFunction { get; init; } = "gelu";
    public double Dropout { get; init; } = 0.1;
    public double AttentionDropout { get; init; }
    public double ActivationDropout { get; init; }
    public double LayerNormEps { get; init; } = 1e-5;
}
