using SongGen.Model.Config;
using SongGen.Model.Positions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Decoder;

/// <summary>Output of <see cref="SongGenDecoder.Forward"/>.</summary>
/// <param name="LastHiddenState">(B, S, E): the final <c>layer_norm</c> output.</param>
/// <param name="HiddenStates">When requested, the reference's <c>hidden_states</c> tuple: the input of each layer
/// (index 0 = embeddings + positions) and, last, the final <c>layer_norm</c> output (the last layer's output before
/// the norm is not included), <c>num_hidden_layers + 1</c> tensors.</param>
/// <param name="PresentKeyValues">Per-layer caches when <c>useCache</c>.</param>
public sealed record SongGenDecoderOutput(Tensor LastHiddenState, IReadOnlyList<Tensor>? HiddenStates, IReadOnlyList<LayerKeyValues>? PresentKeyValues) : IDisposable
{
    public void Dispose()
    {
        LastHiddenState.Dispose();
        if (HiddenStates is not null)
            foreach (var h in HiddenStates)
                if (!ReferenceEquals(h, LastHiddenState)) h.Dispose();
    }
}

/// <summary>
/// The SongGen audio-token decoder (<c>decoder.model.decoder</c>): one embedding per codebook stream, summed (and
/// divided by 2 for parallel patterns), plus the absolute sinusoidal positions, dropout, the pre-LN layers and a final
/// layer norm. State-dict names: <c>embed_tokens.{k}.weight</c>, <c>embed_positions.weights</c>,
/// <c>layers.{i}.*</c>, <c>layer_norm.{weight,bias}</c>.
/// </summary>
public sealed class SongGenDecoder : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly ModuleList<Embedding> embed_tokens;
    private readonly SinusoidalPositionalEmbedding embed_positions;
    private readonly ModuleList<SongGenDecoderLayer> layers;
    private readonly LayerNorm layer_norm;
    private readonly Dropout dropout;
#pragma warning restore IDE1006

    public SongGenDecoder(SongGenDecoderConfig config, Device? device = null) : base(nameof(SongGenDecoder))
    {
        Config = config;
        NumCodebooks = config.NumCodebooks;
        NumEmbedTokens = config.NumEmbedTokens;
        EmbeddingDivisor = config.TrackPattern.EmbeddingDivisor();
        embed_tokens = new ModuleList<Embedding>();
        for (var k = 0; k < NumEmbedTokens; k++) embed_tokens.Add(nn.Embedding(config.VocabSize, config.HiddenSize, device: device));
        embed_positions = new SinusoidalPositionalEmbedding(config.MaxPositionEmbeddings, config.HiddenSize, device);
        var layerOptions = LayerOptions(config);
        layers = new ModuleList<SongGenDecoderLayer>();
        for (var i = 0; i < config.NumHiddenLayers; i++) layers.Add(new SongGenDecoderLayer(layerOptions, device));
        layer_norm = nn.LayerNorm(config.HiddenSize, 1e-5, device: device);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    public SongGenDecoderConfig Config { get; }

    /// <summary>Codebooks per track (<c>num_codebooks</c>).</summary>
    public int NumCodebooks { get; }

    /// <summary>Token embeddings = codebook streams per step (2·<see cref="NumCodebooks"/> for parallel patterns).</summary>
    public int NumEmbedTokens { get; }

    /// <summary>The summed embeddings are divided by this (<c>NumEmbedTokens / NumCodebooks</c>).</summary>
    public int EmbeddingDivisor { get; }

    public IReadOnlyList<SongGenDecoderLayer> Layers => layers.ToList();

    /// <summary>The layer hyper-parameters a decoder config implies.</summary>
    public static SongGenDecoderLayerOptions LayerOptions(SongGenDecoderConfig config) => new()
    {
        HiddenSize = config.HiddenSize,
        NumAttentionHeads = config.NumAttentionHeads,
        NumKeyValueHeads = config.EffectiveNumKeyValueHeads,
        NumCrossAttentionKeyValueHeads = config.EffectiveNumCrossAttentionKeyValueHeads,
        FfnDim = config.FfnDim,
        ActivationFunction = config.ActivationFunction,
        Dropout = config.Dropout,
        AttentionDropout = config.AttentionDropout,
        ActivationDropout = config.ActivationDropout,
    };

    /// <summary>
    /// Summed token embeddings <c>Σ_k embed_tokens[k](ids[:, k]) / divisor</c>, (B, S, E).
    /// </summary>
    /// <param name="inputIds">(B·K′, S) with row <c>b·K′ + k</c>, or (B, K′, S).</param>
    public Tensor EmbedTokens(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var s = inputIds.shape[^1];
        var ids = inputIds.reshape(-1, NumEmbedTokens, s);
        Tensor? sum = null;
        for (var k = 0; k < NumEmbedTokens; k++)
        {
            var e = embed_tokens[k].forward(ids[.., k]);
            sum = sum is null ? e : sum + e;
        }
        var result = EmbeddingDivisor == 1 ? sum! : sum! / EmbeddingDivisor;
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The decoder forward (reference <c>SongGenDecoder.forward</c> with no decoder attention mask: pure causal).
    /// </summary>
    /// <param name="inputIds">(B·K′, S) rows <c>b·K′ + k</c>, or (B, K′, S).</param>
    /// <param name="encoderHiddenStates">(B, M, E) cross-attention memory.</param>
    /// <param name="encoderAttentionMask">(B, M) 2-D memory mask (1 = attend) or null (attend everything).</param>
    /// <param name="pastKeyValues">Per-layer caches of earlier steps; positions then start at the cached length.</param>
    public SongGenDecoderOutput Forward(
        Tensor inputIds,
        Tensor? encoderHiddenStates = null,
        Tensor? encoderAttentionMask = null,
        bool outputHiddenStates = false,
        IReadOnlyList<LayerKeyValues>? pastKeyValues = null,
        bool useCache = false)
    {
        using var scope = NewDisposeScope();
        var embeds = EmbedTokens(inputIds);
        long s = embeds.shape[1];
        long past = pastKeyValues is { Count: > 0 } p ? p[0].Self.Key.shape[2] : 0;
        var positions = embed_positions.Positions(s, past).to(embeds.dtype, embeds.device);
        var h = dropout.forward(embeds + positions);
        // The memory may come in float32 from encoders run outside a bf16 decoder.
        if (encoderHiddenStates is not null && encoderHiddenStates.dtype != h.dtype) encoderHiddenStates = encoderHiddenStates.to_type(h.dtype);

        Tensor? memoryMask = null;
        if (encoderHiddenStates is not null && encoderAttentionMask is not null)
        {
            var allOnes = encoderAttentionMask.eq(1).all().item<bool>();
            if (!allOnes) memoryMask = DecoderMasks.ExpandPadding(encoderAttentionMask, s, h.dtype);
        }

        var all = outputHiddenStates ? new List<Tensor>() : null;
        var presents = useCache ? new List<LayerKeyValues>() : null;
        for (var i = 0; i < layers.Count; i++)
        {
            all?.Add(h);
            var past_i = pastKeyValues?[i];
            var layerOut = layers[i].Forward(h, null, encoderHiddenStates, memoryMask, past_i, useCache);
            h = layerOut.HiddenStates;
            if (layerOut.Present is { } present)
            {
                // Keep the caches out of this scope; a reused cross-attention pair stays owned by the caller.
                present.Self.Key.MoveToOuterDisposeScope();
                present.Self.Value.MoveToOuterDisposeScope();
                if (past_i is null || !ReferenceEquals(past_i.Cross.Key, present.Cross.Key))
                {
                    present.Cross.Key.MoveToOuterDisposeScope();
                    present.Cross.Value.MoveToOuterDisposeScope();
                }
                presents!.Add(present);
            }
        }
        h = layer_norm.forward(h);
        all?.Add(h);

        var last = h.MoveToOuterDisposeScope();
        var states = all?.Select(t => ReferenceEquals(t, last) ? last : t.MoveToOuterDisposeScope()).ToList();
        return new SongGenDecoderOutput(last, states, presents);
    }
}
